using System.Text.Json;

namespace Qwen.Onnx.LlamaSharpBench;

/// <summary>The figures of one <c>qwen-onnx bench --json</c> output, labelled "name=path" on the command line.</summary>
internal sealed record OursBench(string Name, double DecodeTokensPerSecond, double PrefillTokensPerSecond, int PromptTokens)
{
    public static OursBench Read(string labelled)
    {
        (string name, string path) = Report.Split(labelled);
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement root = json.RootElement;
        return new OursBench(
            name,
            root.GetProperty("decode_tokens_per_second").GetDouble(),
            root.GetProperty("bandwidth").GetProperty("prefill_tokens_per_second").GetDouble(),
            root.GetProperty("prompt_tokens").GetInt32());
    }
}
