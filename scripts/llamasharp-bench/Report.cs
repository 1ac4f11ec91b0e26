using System.Globalization;
using System.Text.Json;

namespace Qwen.Onnx.LlamaSharpBench;

/// <summary>The table rows and the same-weights check line.</summary>
internal static class Report
{
    public static string Row(string precision, string engine, double decode, double prefill, int promptTokens) =>
        string.Create(CultureInfo.InvariantCulture, $"| {precision} | {engine} | {decode:F1} | {prefill:F0} | {promptTokens} |");

    /// <summary>
    /// How far llama.cpp's prefill logits are from ONNX Runtime's, and how long the two greedy continuations agree
    /// (after the first differing token the contexts differ, so only the common prefix is comparable).
    /// </summary>
    public static string SameWeights(string precision, LlamaMeasurement llama, float[] onnx, int[] oursGreedy, bool sameTokenization)
    {
        float maxDiff = 0, maxMagnitude = 0;
        for (int i = 0; i < onnx.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs(onnx[i] - llama.LastPromptLogits[i]));
            maxMagnitude = Math.Max(maxMagnitude, Math.Abs(onnx[i]));
        }

        int compared = Math.Min(oursGreedy.Length, llama.GreedyIds.Length), prefix = 0;
        while (prefix < compared && oursGreedy[prefix] == llama.GreedyIds[prefix])
        {
            prefix++;
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"{precision} same-weights check: last prompt position max |logit diff| {maxDiff:G3} (largest |logit| {maxMagnitude:G3}), argmax {(ArgMax(onnx) == llama.GreedyIds[0] ? "equal" : "differs")}; greedy ids agree on the first {prefix} of {compared}; llama.cpp tokenizes the rendered prompt to {(sameTokenization ? "the same" : "different")} ids");
    }

    public static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static int[] TokenIds(string runJson)
    {
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(runJson));
        return [.. json.RootElement.GetProperty("token_ids").EnumerateArray().Select(e => e.GetInt32())];
    }

    /// <summary>"name=path" into its parts.</summary>
    public static (string Name, string Path) Split(string labelled)
    {
        int equals = labelled.IndexOf('=', StringComparison.Ordinal);
        return equals < 0 ? throw new ArgumentException($"expected name=path, got {labelled}") : (labelled[..equals], labelled[(equals + 1)..]);
    }

    private static int ArgMax(float[] values) => Array.IndexOf(values, values.Max());
}
