using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Qwen.Onnx.Cli.Benchmarks;

/// <summary>
/// Concurrent streams on one loaded model (continuous batching in the multimodal engine): N requests with prompts of
/// different lengths start together, and the run reports the aggregate decode tokens/s (every token after each
/// stream's first, over the time from the earliest first token to the last token) and each stream's per-token
/// latency (gaps between its consecutive tokens, median and p99 over all streams), against one stream alone. Greedy,
/// prompt cache off. Each stream's tokens are also compared with that prompt's lone run: the matching prefix.
/// </summary>
internal static class StreamsBench
{
    public static async Task<StreamsReport> RunAsync(BenchSettings settings, int streams, CancellationToken cancellationToken)
    {
        QwenModelOptions options = settings.ModelOptions(reusePromptCache: false) with { MaxBatchSize = Math.Max(streams, 8), MaxConcurrentRequests = streams };
        await using QwenModel model = await QwenModel.LoadAsync(settings.Model, options, cancellationToken);
        QwenChatRequest[] requests = [.. Enumerable.Range(0, streams).Select(i => Request(settings, i))];
        _ = await MeasureAsync(model, requests[..1], cancellationToken);
        var single = new List<Measurement>();
        var batched = new List<Measurement>();
        for (int run = 0; run < settings.Runs; run++)
        {
            single.Add(await MeasureAsync(model, requests[..1], cancellationToken));
            batched.Add(await MeasureAsync(model, requests, cancellationToken));
        }

        // Each prompt alone, for the greedy prefix its batched run shares.
        var prefixes = new int[streams];
        for (int i = 0; i < streams; i++)
        {
            Measurement alone = await MeasureAsync(model, requests[i..(i + 1)], cancellationToken);
            prefixes[i] = alone.Tokens[0].Zip(batched[^1].Tokens[i]).TakeWhile(p => p.First == p.Second).Count();
        }

        return new StreamsReport(streams, settings.MaxNewTokens, settings.Runs, Summary(single), Summary(batched), prefixes);
    }

    /// <summary>The bench's request with the prompt lengthened per stream, so the streams' prompts and lengths differ.</summary>
    private static QwenChatRequest Request(BenchSettings settings, int index) =>
        GenerationBench.BuildRequest(settings with { Prompt = settings.Prompt + string.Concat(Enumerable.Repeat(" Please be specific.", index)) });

    private static async Task<Measurement> MeasureAsync(QwenModel model, QwenChatRequest[] requests, CancellationToken cancellationToken)
    {
        var stamps = requests.Select(_ => new List<long>()).ToArray();
        var tokens = requests.Select(_ => new List<int>()).ToArray();
        await Task.WhenAll(requests.Select((request, i) => Task.Run(
            async () =>
            {
                await foreach (QwenChatResponseUpdate update in model.GenerateStreamingAsync(request, cancellationToken))
                {
                    stamps[i].Add(Stopwatch.GetTimestamp());
                    tokens[i].Add(update.TokenId);
                }
            },
            cancellationToken)));
        long start = stamps.Min(s => s[0]), end = stamps.Max(s => s[^1]);
        int decoded = stamps.Sum(s => s.Count - 1);

        // The steady window: every stream has its first token and none has finished, so no prefill runs in it.
        long from = stamps.Max(s => s[0]), to = stamps.Min(s => s[^1]);
        int steady = stamps.Sum(s => s.Count(t => t > from && t <= to));
        double[] gaps = [.. stamps.SelectMany(s => s.Zip(s.Skip(1), (a, b) => Stopwatch.GetElapsedTime(a, b).TotalMilliseconds))];
        double[] steadyGaps = [.. stamps.SelectMany(s => s.Zip(s.Skip(1)).Where(p => p.First >= from && p.Second <= to).Select(p => Stopwatch.GetElapsedTime(p.First, p.Second).TotalMilliseconds))];
        return new Measurement(decoded / Stopwatch.GetElapsedTime(start, end).TotalSeconds, to > from ? steady / Stopwatch.GetElapsedTime(from, to).TotalSeconds : 0, gaps, steadyGaps, tokens);
    }

    private static StreamFigures Summary(List<Measurement> runs)
    {
        double[] gaps = [.. runs.SelectMany(r => r.Gaps).Order()];
        double[] steady = [.. runs.SelectMany(r => r.SteadyGaps).Order()];
        return new StreamFigures(
            GenerationBench.Median(runs.Select(r => r.DecodeTokensPerSecond)),
            GenerationBench.Median(runs.Select(r => r.SteadyTokensPerSecond)),
            GenerationBench.Median(steady),
            Percentile99(steady),
            Percentile99(gaps));
    }

    private static double Percentile99(double[] sorted) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(sorted.Length * 0.99) - 1)];

    private sealed record Measurement(double DecodeTokensPerSecond, double SteadyTokensPerSecond, double[] Gaps, double[] SteadyGaps, List<int>[] Tokens);
}

/// <summary>Aggregate decode speed and per-token latency of one configuration (medians over runs).</summary>
/// <param name="OverallDecodeTokensPerSecond">Every token after each stream's first, over the time from the earliest first token to the last token (the newcomers' prefills included).</param>
/// <param name="AggregateDecodeTokensPerSecond">Tokens of all streams while every stream is decoding (after the last first token, before the first stream ends), per second: the shared steps alone.</param>
/// <param name="MedianTokenLatencyMs">Median gap between consecutive tokens of a stream in that window.</param>
/// <param name="P99TokenLatencyMs">99th percentile of those gaps.</param>
/// <param name="P99TokenLatencyWithJoinsMs">99th percentile of all gaps, including those a newcomer's prefill chunk lengthened.</param>
internal sealed record StreamFigures(double OverallDecodeTokensPerSecond, double AggregateDecodeTokensPerSecond, double MedianTokenLatencyMs, double P99TokenLatencyMs, double P99TokenLatencyWithJoinsMs);

/// <summary>The JSON contract of <c>bench --streams N --json</c>.</summary>
internal sealed record StreamsReport(int Streams, int MaxNewTokens, int Runs, StreamFigures Single, StreamFigures Batched, int[] MatchingGreedyPrefix)
{
    public string ToText()
    {
        var text = new StringBuilder();
        CultureInfo c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"runs {Runs}, {MaxNewTokens} new tokens per stream");
        text.AppendLine(c, $"1 stream  : decode {Single.AggregateDecodeTokensPerSecond:F1} tok/s, per-token latency median {Single.MedianTokenLatencyMs:F1} ms, p99 {Single.P99TokenLatencyMs:F1} ms");
        text.AppendLine(c, $"{Streams} streams : decode {Batched.AggregateDecodeTokensPerSecond:F1} tok/s aggregate while all decode ({Batched.AggregateDecodeTokensPerSecond / Single.AggregateDecodeTokensPerSecond:F2}x), per-token latency median {Batched.MedianTokenLatencyMs:F1} ms ({Batched.MedianTokenLatencyMs / Single.MedianTokenLatencyMs:F2}x), p99 {Batched.P99TokenLatencyMs:F1} ms");
        text.AppendLine(c, $"{Streams} streams, joins included: {Batched.OverallDecodeTokensPerSecond:F1} tok/s from the first token to the last ({Batched.OverallDecodeTokensPerSecond / Single.OverallDecodeTokensPerSecond:F2}x), p99 per-token latency {Batched.P99TokenLatencyWithJoinsMs:F1} ms (the newcomers' prefills)");
        text.Append(c, $"greedy tokens equal to each prompt's lone run: first {string.Join(", ", MatchingGreedyPrefix)} of {MaxNewTokens}");
        return text.ToString();
    }
}
