using System.Diagnostics;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Qwen.Onnx.Cli.Benchmarks;

/// <summary>
/// Generation through the SDK's streaming API against a bare GenAI generator loop (append prompt, generate,
/// decode with GenAI's tokenizer stream) on the same model, prompt and token count. Medians over the runs
/// after one warm-up run each.
/// </summary>
internal static class GenerationBench
{
    public static async Task<BenchReport> RunAsync(BenchSettings settings, CancellationToken cancellationToken)
    {
        var request = BuildRequest(settings);
        var stages = new Dictionary<string, double>();
        LoopMeasurement sdk;
        double loadMs;
        int promptTokens;
        double encodeMbPerSecond;
        string prompt;
        await using (QwenModel model = await QwenModel.LoadAsync(settings.Model, cancellationToken: cancellationToken))
        {
            loadMs = model.LoadTime.TotalMilliseconds;
            prompt = model.RenderPrompt(request);
            promptTokens = model.Tokenizer.Encode(prompt).Count;
            stages["template_ms"] = Median(settings.Runs, () => Time(() => model.RenderPrompt(request)));
            stages["tokenize_ms"] = Median(settings.Runs, () => Time(() => model.Tokenizer.Encode(prompt)));
            sdk = await MeasureSdkAsync(model, request, settings.Runs, cancellationToken);
            encodeMbPerSecond = TokenizerThroughput.MegabytesPerSecond(model.Tokenizer);
        }

        LoopMeasurement bare = MeasureBareLoop(settings.Model, prompt, sdk.CompletionTokens, settings.Runs, cancellationToken);
        double sdkPrefill = Math.Max(0, sdk.TtftMs - stages["template_ms"] - stages["tokenize_ms"]);
        stages["prefill_ms"] = sdkPrefill;
        stages["decode_ms_per_token"] = 1000 / sdk.DecodeTokensPerSecond;
        double overhead = ((1 / sdk.DecodeTokensPerSecond) - (1 / bare.DecodeTokensPerSecond)) / (1 / bare.DecodeTokensPerSecond) * 100;
        return new BenchReport(settings.Runs, loadMs, promptTokens, sdk.TtftMs, sdkPrefill, sdk.DecodeTokensPerSecond, sdk.AllocatedBytesPerToken, stages, bare, overhead, encodeMbPerSecond);
    }

    private static QwenChatRequest BuildRequest(BenchSettings settings)
    {
        var parts = new List<ContentPart>();
        parts.AddRange(settings.Images.Select(ImagePart.FromFile));
        parts.AddRange(settings.Audios.Select(AudioPart.FromFile));
        parts.Add(settings.Prompt);
        return new QwenChatRequest([QwenChatMessage.User([.. parts])], new GenerationOptions { MaxNewTokens = settings.MaxNewTokens, Greedy = true });
    }

    private static async Task<LoopMeasurement> MeasureSdkAsync(QwenModel model, QwenChatRequest request, int runs, CancellationToken cancellationToken)
    {
        var samples = new List<LoopMeasurement>();
        for (int run = -1; run < runs; run++)
        {
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
            long bytes = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            if (run >= 0)
            {
                double ttft = Stopwatch.GetElapsedTime(started, first).TotalMilliseconds;
                samples.Add(new LoopMeasurement(ttft, ttft, (tokens - 1) / Stopwatch.GetElapsedTime(first, end).TotalSeconds, (double)bytes / tokens, tokens));
            }
        }

        return Medians(samples);
    }

    private static LoopMeasurement MeasureBareLoop(string path, string prompt, int tokens, int runs, CancellationToken cancellationToken)
    {
        using var model = new Model(path);
        using var tokenizer = new Tokenizer(model);
        var samples = new List<LoopMeasurement>();
        for (int run = -1; run < runs; run++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long allocated = GC.GetTotalAllocatedBytes(precise: true);
            long started = Stopwatch.GetTimestamp();
            using Sequences ids = tokenizer.Encode(prompt);
            using var parameters = new GeneratorParams(model);
            parameters.SetSearchOption("max_length", ids[0].Length + tokens);
            using var generator = new Generator(model, parameters);
            using TokenizerStream stream = tokenizer.CreateStream();
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
            long bytes = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            if (run >= 0)
            {
                samples.Add(new LoopMeasurement(
                    Stopwatch.GetElapsedTime(started, first).TotalMilliseconds,
                    Stopwatch.GetElapsedTime(started, prefilled).TotalMilliseconds,
                    (generated - 1) / Stopwatch.GetElapsedTime(first, end).TotalSeconds,
                    (double)bytes / generated,
                    generated));
            }
        }

        return Medians(samples);
    }

    private static LoopMeasurement Medians(List<LoopMeasurement> samples) => new(
        Median(samples.Select(s => s.TtftMs)),
        Median(samples.Select(s => s.PrefillMs)),
        Median(samples.Select(s => s.DecodeTokensPerSecond)),
        Median(samples.Select(s => s.AllocatedBytesPerToken)),
        samples[0].CompletionTokens);

    private static double Median(int runs, Func<double> measure) => Median(Enumerable.Range(0, runs + 1).Select(_ => measure()).Skip(1));

    private static double Median(IEnumerable<double> values)
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
}
