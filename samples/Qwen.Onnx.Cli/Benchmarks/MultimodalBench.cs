namespace Qwen.Onnx.Cli.Benchmarks;

/// <summary>
/// Generation on the multimodal engine with its stage times (preprocess, vision, audio, embed, prefill, decode), the
/// time per token spent outside ONNX Runtime's Run, and the managed bytes one more token allocates; every run
/// recomputes its whole prompt (the prompt cache is off). Then a second conversation turn, with and without the prompt
/// cache. There is no bare loop to compare with: GenAI cannot run these folders.
/// </summary>
internal static class MultimodalBench
{
    public static async Task<BenchReport> RunAsync(BenchSettings settings, QwenChatRequest request, CancellationToken cancellationToken)
    {
        await using QwenModel model = await QwenModel.LoadAsync(settings.Model, settings.ModelOptions(reusePromptCache: false), cancellationToken);
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
        var memory = BandwidthReport.MemoryNow();
        stages["turn2_ttft_ms"] = await SecondTurnTtftAsync(model, request, settings, cancellationToken);
        await using (QwenModel cached = await QwenModel.LoadAsync(settings.Model, settings.ModelOptions(), cancellationToken))
        {
            stages["turn2_ttft_prompt_cache_ms"] = await SecondTurnTtftAsync(cached, request, settings, cancellationToken);
        }

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
            TokenizerThroughput.MegabytesPerSecond(model.Tokenizer),
            BandwidthReport.Measure(settings.Model, runs[0].Completion.Usage.PromptTokens, stages.GetValueOrDefault("prefill_ms"), GenerationBench.Median(runs.Select(r => r.TokensPerSecond)), tokens, memory));
    }

    /// <summary>Median time to first token of a follow-up question after the request was answered.</summary>
    private static async Task<double> SecondTurnTtftAsync(QwenModel model, QwenChatRequest request, BenchSettings settings, CancellationToken cancellationToken)
    {
        var ttfts = new List<double>();
        for (int run = 0; run < Math.Max(3, settings.Runs); run++)
        {
            QwenChatResponse first = await model.GenerateAsync(new QwenChatRequest(request.Messages, request.Options with { MaxNewTokens = 16 }), cancellationToken);
            var followUp = new QwenChatRequest([.. request.Messages, QwenChatMessage.Assistant(first.Text), QwenChatMessage.User("Tell me more.")], request.Options);
            ttfts.Add((await MeasureAsync(model, followUp, 1, cancellationToken)).Ttft);
        }

        return GenerationBench.Median(ttfts);
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
