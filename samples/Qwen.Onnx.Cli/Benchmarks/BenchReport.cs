using System.Globalization;
using System.Text;

namespace Qwen.Onnx.Cli.Benchmarks;

/// <summary>What to measure.</summary>
internal sealed record BenchSettings(string Model, string Prompt, int MaxNewTokens, int Runs, string[] Images, string[] Audios, string[] Videos, int? Threads = null, bool AllowThreadSpinning = false, IReadOnlyDictionary<string, string>? SessionConfigEntries = null, bool QuantizedMatMulInt8 = false)
{
    /// <summary>The model options of every model the bench loads; <paramref name="reusePromptCache"/> as given.</summary>
    public QwenModelOptions ModelOptions(bool reusePromptCache = true) => new()
    {
        IntraOpThreads = Threads, AllowThreadSpinning = AllowThreadSpinning, SessionConfigEntries = SessionConfigEntries, ReusePromptCache = reusePromptCache,
        QuantizedMatMulInt8 = QuantizedMatMulInt8,
    };
}

/// <summary>One loop's medians; <see cref="AllocatedBytesPerToken"/> holds a run's total bytes until it is turned into the marginal cost of a token.</summary>
internal sealed record LoopMeasurement(double TtftMs, double PrefillMs, double DecodeTokensPerSecond, double AllocatedBytesPerToken, int CompletionTokens);

/// <summary>The JSON contract of <c>bench --json</c>.</summary>
internal sealed record BenchReport(
    int Runs,
    double LoadMs,
    int PromptTokens,
    double TtftMs,
    double PrefillMs,
    double DecodeTokensPerSecond,
    double AllocatedBytesPerToken,
    IReadOnlyDictionary<string, double> Stages,
    LoopMeasurement? BareGenAi,
    double? SdkOverheadPercent,
    double TokenizerEncodeMbPerSecond,
    BandwidthReport? Bandwidth = null)
{
    public string ToText()
    {
        var text = new StringBuilder();
        CultureInfo c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"runs {Runs}, load {LoadMs:F0} ms, prompt {PromptTokens} tokens");
        text.AppendLine(c, $"SDK      : ttft {TtftMs:F2} ms, prefill {PrefillMs:F2} ms, decode {DecodeTokensPerSecond:F1} tok/s, {AllocatedBytesPerToken:F0} B/token");
        if (BareGenAi is not null)
        {
            text.AppendLine(c, $"bare loop: ttft {BareGenAi.TtftMs:F2} ms, prefill {BareGenAi.PrefillMs:F2} ms, decode {BareGenAi.DecodeTokensPerSecond:F1} tok/s, {BareGenAi.AllocatedBytesPerToken:F0} B/token");
            text.AppendLine(c, $"SDK per-token overhead vs bare loop (median of paired runs): {SdkOverheadPercent:F2}%");
        }

        text.AppendLine(c, $"stages (ms): {string.Join(", ", Stages.Select(s => $"{s.Key} {s.Value:F3}"))}");
        if (Bandwidth is not null)
        {
            text.AppendLine(Bandwidth.ToText());
        }

        text.Append(c, $"tokenizer encode: {TokenizerEncodeMbPerSecond:F2} MB/s");
        return text.ToString();
    }
}
