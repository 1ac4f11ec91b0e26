using System.Diagnostics;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Qwen.Onnx.Cli.Benchmarks;

/// <summary>
/// Generation through the SDK's streaming API against a bare GenAI generator loop (append the prompt, generate,
/// decode with GenAI's tokenizer stream) on the same model, prompt and token count. The two loops run alternately,
/// so drift of the machine hits both alike (both models stay loaded: twice the model's memory). Medians over the
/// runs after one warm-up run each.
/// </summary>
internal static class GenerationBench
{
    public static async Task<BenchReport> RunAsync(BenchSettings settings, CancellationToken cancellationToken)
    {
        if (Models.ModelFolder.Inspect(settings.Model).Layout != Models.ModelLayout.GenAi)
        {
            return await MultimodalBench.RunAsync(settings, BuildRequest(settings), cancellationToken);
        }

        QwenChatRequest request = BuildRequest(settings);
        await using QwenModel sdk = await QwenModel.LoadAsync(settings.Model, settings.ModelOptions(), cancellationToken);
        _ = await MeasureSdkAsync(sdk, request, settings.MaxNewTokens, cancellationToken);
        var memory = BandwidthReport.MemoryNow();
        using var bare = new BareLoop(settings.Model, settings.Threads);
        string prompt = sdk.RenderPrompt(request);
        int tokens = settings.MaxNewTokens;

        var sdkRuns = new List<LoopMeasurement>();
        var bareRuns = new List<LoopMeasurement>();
        for (int run = -1; run < settings.Runs; run++)
        {
            // Alternate which loop goes first: the second one meets the first one's spinning runtime threads.
            LoopMeasurement b = run % 2 == 0 ? bare.Measure(prompt, tokens, cancellationToken) : default!;
            LoopMeasurement s = await MeasureSdkAsync(sdk, request, tokens, cancellationToken);
            b ??= bare.Measure(prompt, s.CompletionTokens, cancellationToken);
            if (run >= 0)
            {
                sdkRuns.Add(s);
                bareRuns.Add(b);
            }
        }

        // Runs at half length separate what one more token costs from per-request setup.
        var sdkHalf = new List<LoopMeasurement>();
        var bareHalf = new List<LoopMeasurement>();
        for (int run = 0; run < 3; run++)
        {
            sdkHalf.Add(await MeasureSdkAsync(sdk, request, tokens / 2, cancellationToken));
            bareHalf.Add(bare.Measure(prompt, sdkHalf[^1].CompletionTokens, cancellationToken));
        }

        LoopMeasurement sdkMedian = Medians(sdkRuns, sdkHalf);
        LoopMeasurement bareMedian = Medians(bareRuns, bareHalf);

        var stages = new Dictionary<string, double>
        {
            ["template_ms"] = Median(settings.Runs, () => Time(() => sdk.RenderPrompt(request))),
            ["tokenize_ms"] = Median(settings.Runs, () => Time(() => sdk.Tokenizer.Encode(prompt))),
        };
        stages["prefill_ms"] = Math.Max(0, sdkMedian.TtftMs - stages["template_ms"] - stages["tokenize_ms"]);
        stages["decode_ms_per_token"] = 1000 / sdkMedian.DecodeTokensPerSecond;
        // Each SDK run is paired with the bare run next to it in time; the median of the pairs' ratios resists drift.
        double overhead = Median(sdkRuns.Zip(bareRuns, (s, b) => ((b.DecodeTokensPerSecond / s.DecodeTokensPerSecond) - 1) * 100));
        return new BenchReport(
            settings.Runs,
            sdk.LoadTime.TotalMilliseconds,
            sdk.Tokenizer.Encode(prompt).Count,
            sdkMedian.TtftMs,
            stages["prefill_ms"],
            sdkMedian.DecodeTokensPerSecond,
            sdkMedian.AllocatedBytesPerToken,
            stages,
            bareMedian,
            overhead,
            TokenizerThroughput.MegabytesPerSecond(sdk.Tokenizer),
            BandwidthReport.Measure(settings.Model, sdk.Tokenizer.Encode(prompt).Count, stages["prefill_ms"], sdkMedian.DecodeTokensPerSecond, tokens, memory));
    }

    internal static QwenChatRequest BuildRequest(BenchSettings settings)
    {
        var parts = new List<ContentPart>();
        parts.AddRange(settings.Images.Select(ImagePart.FromFile));
        parts.AddRange(settings.Videos.Select(folder => VideoFolder.Load(folder, 2.0)));
        parts.AddRange(settings.Audios.Select(AudioPart.FromFile));
        parts.Add(settings.Prompt);
        return new QwenChatRequest([QwenChatMessage.User([.. parts])], new GenerationOptions { MaxNewTokens = settings.MaxNewTokens, Greedy = true });
    }

    private static async Task<LoopMeasurement> MeasureSdkAsync(QwenModel model, QwenChatRequest request, int maxNewTokens, CancellationToken cancellationToken)
    {
        request = new QwenChatRequest(request.Messages, request.Options with { MaxNewTokens = maxNewTokens });
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        long started = Stopwatch.GetTimestamp();
        long first = 0;
        int tokens = 0;
        await foreach (QwenChatResponseUpdate update in model.GenerateStreamingAsync(request, cancellationToken))
        {
            if (update.TokenId >= 0 && tokens++ == 0)
            {
                first = Stopwatch.GetTimestamp();
            }
        }

        long end = Stopwatch.GetTimestamp();
        double ttft = Stopwatch.GetElapsedTime(started, first).TotalMilliseconds;
        return new LoopMeasurement(ttft, ttft, (tokens - 1) / Stopwatch.GetElapsedTime(first, end).TotalSeconds, GC.GetTotalAllocatedBytes(precise: true) - allocated, tokens);
    }

    /// <summary>
    /// Medians of the runs. Allocated bytes become the marginal bytes of one token: the fewest bytes of a full run minus
    /// the fewest of a half run (the minimum drops one-off runtime allocations such as a queue growing).
    /// </summary>
    private static LoopMeasurement Medians(List<LoopMeasurement> runs, List<LoopMeasurement> half) => new(
        Median(runs.Select(s => s.TtftMs)),
        Median(runs.Select(s => s.PrefillMs)),
        Median(runs.Select(s => s.DecodeTokensPerSecond)),
        (runs.Min(s => s.AllocatedBytesPerToken) - half.Min(s => s.AllocatedBytesPerToken)) / (runs[0].CompletionTokens - half[0].CompletionTokens),
        runs[0].CompletionTokens);

    private static double Median(int runs, Func<double> measure) => Median(Enumerable.Range(0, runs + 1).Select(_ => measure()).Skip(1));

    internal static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static double Time(Action action)
    {
        long started = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    /// <summary>The loop a GenAI sample would write: no SDK in between.</summary>
    private sealed class BareLoop(string path, int? threads) : IDisposable
    {
        private readonly Model _model = Load(path, threads);
        private readonly Tokenizer _tokenizer = new(new Model(path));

        private static Model Load(string path, int? threads)
        {
            using var config = new Config(path);
            if (threads is int count)
            {
                config.Overlay(System.Text.Json.JsonSerializer.Serialize(new { model = new { decoder = new { session_options = new { intra_op_num_threads = count } } } }));
            }

            return new Model(config);
        }

        public LoopMeasurement Measure(string prompt, int tokens, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long allocated = GC.GetTotalAllocatedBytes(precise: true);
            long started = Stopwatch.GetTimestamp();
            using Sequences ids = _tokenizer.Encode(prompt);
            using var parameters = new GeneratorParams(_model);
            parameters.SetSearchOption("max_length", ids[0].Length + tokens);
            using var generator = new Generator(_model, parameters);
            using TokenizerStream stream = _tokenizer.CreateStream();
            generator.AppendTokens(ids[0]);
            long prefilled = Stopwatch.GetTimestamp();
            long first = 0;
            int generated = 0;
            while (!generator.IsDone() && generated < tokens)
            {
                generator.GenerateNextToken();
                _ = stream.Decode(generator.GetNextTokens()[0]);
                if (generated++ == 0)
                {
                    first = Stopwatch.GetTimestamp();
                }
            }

            long end = Stopwatch.GetTimestamp();
            return new LoopMeasurement(
                Stopwatch.GetElapsedTime(started, first).TotalMilliseconds,
                Stopwatch.GetElapsedTime(started, prefilled).TotalMilliseconds,
                (generated - 1) / Stopwatch.GetElapsedTime(first, end).TotalSeconds,
                GC.GetTotalAllocatedBytes(precise: true) - allocated,
                generated);
        }

        public void Dispose()
        {
            _tokenizer.Dispose();
            _model.Dispose();
        }
    }
}
