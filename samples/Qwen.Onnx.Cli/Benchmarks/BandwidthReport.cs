using System.Diagnostics;
using System.Globalization;

namespace Qwen.Onnx.Cli.Benchmarks;

/// <summary>
/// Decode speed against what memory bandwidth allows: a decode step reads every weight once plus the KV cache, so
/// tokens/s cannot beat bandwidth / bytes per token; the percentage says how close the engine gets.
/// </summary>
/// <param name="WeightMbPerToken">Weight bytes one decode step reads (the token embedding counts one row).</param>
/// <param name="KvCacheMbPerToken">KV-cache bytes one step reads at the decode's middle length (prompt + half the new tokens).</param>
/// <param name="MemoryReadGbPerSecond">This machine's measured read bandwidth (<see cref="MemoryBandwidthProbe"/>).</param>
/// <param name="BoundTokensPerSecond">Bandwidth / bytes per token.</param>
/// <param name="DecodePercentOfBound">Measured decode tokens/s as a percentage of the bound.</param>
/// <param name="PrefillTokensPerSecond">Prompt tokens / prefill time.</param>
/// <param name="PeakWorkingSetMb">The process's peak resident memory with this one model loaded (managed, native and mapped weights).</param>
/// <param name="ManagedHeapMb">The managed heap at that point.</param>
internal sealed record BandwidthReport(
    double WeightMbPerToken,
    double KvCacheMbPerToken,
    double MemoryReadGbPerSecond,
    double BoundTokensPerSecond,
    double DecodePercentOfBound,
    double PrefillTokensPerSecond,
    double PeakWorkingSetMb,
    double ManagedHeapMb)
{
    /// <summary>Peak resident and managed memory now, in MB: taken while exactly one model is loaded.</summary>
    public static (double PeakWorkingSetMb, double ManagedHeapMb) MemoryNow()
    {
        using var process = Process.GetCurrentProcess();
        return (process.PeakWorkingSet64 / 1e6, GC.GetGCMemoryInfo().HeapSizeBytes / 1e6);
    }

    public static BandwidthReport Measure(string modelFolder, int promptTokens, double prefillMs, double decodeTokensPerSecond, int maxNewTokens, (double PeakWorkingSetMb, double ManagedHeapMb) memory)
    {
        DecoderTraffic traffic = DecoderTraffic.Of(modelFolder);
        double kv = traffic.KvBytesPerPosition * (promptTokens + (maxNewTokens / 2.0));
        double bandwidth = MemoryBandwidthProbe.ReadGigabytesPerSecond();
        double bound = bandwidth * 1e9 / (traffic.WeightBytes + kv);
        return new BandwidthReport(
            traffic.WeightBytes / 1e6,
            kv / 1e6,
            bandwidth,
            bound,
            decodeTokensPerSecond / bound * 100,
            prefillMs > 0 ? promptTokens / prefillMs * 1000 : 0,
            memory.PeakWorkingSetMb,
            memory.ManagedHeapMb);
    }

    public string ToText() => string.Create(
        CultureInfo.InvariantCulture,
        $"bandwidth: {WeightMbPerToken:F1} MB weights + {KvCacheMbPerToken:F2} MB KV per token, memory read {MemoryReadGbPerSecond:F1} GB/s → bound {BoundTokensPerSecond:F1} tok/s; decode at {DecodePercentOfBound:F0}% of bound; prefill {PrefillTokensPerSecond:F0} tok/s; peak working set {PeakWorkingSetMb:F0} MB (managed heap {ManagedHeapMb:F1} MB)");
}
