namespace Qwen.Onnx.Cli.Benchmarks;

/// <summary>
/// Generation on the multimodal engine with its stage times (preprocess, vision, audio, prefill, decode), the time per
/// token spent outside ONNX Runtime's Run, and the managed bytes one more token allocates. There is no bare loop to
/// compare with: GenAI cannot run these folders.
/// </summary>
internal static class MultimodalBench
{
    public static async Task<BenchReport> RunAsync(BenchSettings settings, QwenChatRequest request, CancellationToken cancellationToken)
    {
        await using QwenModel model = await QwenModel.LoadAsync(settings.Model, cancellationToken: cancellationToken);
        var runs = new List<(double Ttft, double TokensPerSecond, long Bytes, int Tokens, QwenCompletion Completion)>();
        for (int run = -1; run < settings.Runs; run++)
        {
            var measured = await MeasureAsync(model, request, settings.MaxNewTokens, cancellationToken);
            if (run >= 0)
            {
                runs.Add(measured);
            }
        }

        var half = new List<long>();
        for (int run = 0; run < 3; run++)
        {
            half.Add((await MeasureAsync(model, request, settings.MaxNewTokens / 2, cancellationToken)).Bytes);
        }

        int tokens = runs[0].Tokens;
        double bytesPerToken = (runs.Min(r => r.Bytes) - half.Min()) / (double)(tokens - (settings.MaxNewTokens / 2));
        var stages = runs[0].Completion.Stages.Keys.ToDictionary(
            stage => stage + "_ms",
            stage => GenerationBench.Median(runs.Select(r => r.Completion.Stages[stage].TotalMilliseconds)));
        stages["decode_ms"] = GenerationBench.Median(runs.Select(r => r.Completion.Timings.Decode.TotalMilliseconds));
        stages["outside_run_us_per_token"] = GenerationBench.Median(runs.Select(r =>
            (r.Completion.Timings.Decode - r.Completion.Stages["decode_run"]).TotalMicroseconds / Math.Max(1, r.Tokens - 1)));
        double ttft = GenerationBench.Median(runs.Select(r => r.Ttft));
        return new BenchReport(
            settings.Runs,
            model.LoadTime.TotalMilliseconds,
            runs[0].Completion.Usage.PromptTokens,
            ttft,
            stages.GetValueOrDefault("prefill_ms"),
            GenerationBench.Median(runs.Select(r => r.TokensPerSecond)),
            bytesPerToken,
            stages,
            null,
            null,
            TokenizerThroughput.MegabytesPerSecond(model.Tokenizer));
    }

    private static async Task<(double Ttft, double TokensPerSecond, long Bytes, int Tokens, QwenCompletion Completion)> MeasureAsync(QwenModel model, QwenChatRequest request, int maxNewTokens, CancellationToken cancellationToken)
    {
        request = new QwenChatRequest(request.Messages, request.Options with { MaxNewTokens = maxNewTokens });
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        QwenCompletion? completion = null;
        await foreach (QwenChatResponseUpdate update in model.GenerateStreamingAsync(request, cancellationToken))
        {
            completion = update.Completion ?? completion;
        }

        long bytes = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        return (completion!.Timings.TimeToFirstToken.TotalMilliseconds, completion.Timings.TokensPerSecond, bytes, completion.Usage.CompletionTokens, completion);
    }
}
