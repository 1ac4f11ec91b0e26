using Qwen.Onnx.Generation;
using Qwen.Onnx.Multimodal.Batching;
using Qwen.Onnx.Multimodal.Sampling;
using Qwen.Onnx.Runtime;
using Qwen.Onnx.Runtime.Direct;
using Qwen.Onnx.Testing;
using Qwen.Onnx.Tokenization;

namespace Qwen.Onnx.Multimodal.Tests;

/// <summary>
/// Continuous batching: concurrent requests share decode steps (the engine's shared-step counter must grow), yet each
/// gets exactly the greedy token ids it gets alone on the same engine, whatever joins, leaves or is cancelled beside it.
/// </summary>
[Parallelizable(ParallelScope.None)]
public class BatchingTests
{
    private static readonly string Cache = Path.Combine(Path.GetTempPath(), "qwen-onnx-tests", "models");
    private static readonly string VisionModel = TinyModelFactory.GetOrCreateVisionLanguageModel(cacheFolder: Cache);
    private static readonly string AudioModel = TinyModelFactory.GetOrCreateAudioLanguageModel(cacheFolder: Cache);
    private static readonly string TextModel = TinyModelFactory.GetOrCreateOnnxCommunityTextModel(cacheFolder: Cache);

    // Small chunks, so a newcomer's prompt is prefilled in several pieces with shared steps of the others between them.
    private static readonly QwenModelOptions Options = new() { ReusePromptCache = false, PrefillChunkTokens = 7 };

    public static IEnumerable<TestCaseData> Models()
    {
        yield return new TestCaseData(VisionModel, OnnxGraphVariant.Auto).SetName("Qwen2-VL, images and text");
        yield return new TestCaseData(VisionModel, OnnxGraphVariant.Fp16).SetName("Qwen2-VL fp16, images and text");
        yield return new TestCaseData(AudioModel, OnnxGraphVariant.Auto).SetName("Qwen2-Audio, audio and text");
        yield return new TestCaseData(TextModel, OnnxGraphVariant.Auto).SetName("text export on token ids");
    }

    [TestCaseSource(nameof(Models))]
    public async Task ConcurrentRequestsJoiningAtDifferentTimesShareStepsAndKeepTheirUnbatchedGreedyIds(string folder, OnnxGraphVariant variant)
    {
        await using MultimodalEngine engine = await MultimodalEngine.LoadAsync(folder, Options with { GraphVariant = variant });
        QwenChatRequest[] requests = [.. Enumerable.Range(0, 4).Select(i => RequestFor(folder, i, new GenerationOptions { MaxNewTokens = 40 + (5 * i) }))];
        List<int>[] alone = await AloneAsync(engine, requests);

        List<int>[] together = await StaggeredAsync(engine, requests, cancel: -1);
        Assert.Multiple(() =>
        {
            Assert.That(engine.SharedDecodeSteps, Is.GreaterThan(40), "the requests decoded in shared steps");
            Assert.That(engine.WidestDecodeStep, Is.EqualTo(4), "with default concurrency all four decoded in one step");
            Assert.That(engine.LongestPrefillStall, Is.EqualTo(1), "newcomers' prompts ran in chunks, one between two steps of the others");
            for (int i = 0; i < requests.Length; i++)
            {
                Assert.That(together[i], Is.EqualTo(alone[i]), $"request {i}");
            }
        });
    }

    [Test]
    public async Task ACancelledRequestLeavesAndTheOthersKeepTheirIds()
    {
        await using MultimodalEngine engine = await MultimodalEngine.LoadAsync(VisionModel, Options);
        QwenChatRequest[] requests = [.. Enumerable.Range(0, 3).Select(i => RequestFor(VisionModel, i, new GenerationOptions { MaxNewTokens = 48 }))];
        List<int>[] alone = await AloneAsync(engine, requests);
        long before = OwnedTensors.LiveCount;

        List<int>[] together = await StaggeredAsync(engine, requests, cancel: 1);
        Assert.Multiple(() =>
        {
            Assert.That(engine.SharedDecodeSteps, Is.GreaterThan(20));
            Assert.That(together[0], Is.EqualTo(alone[0]));
            Assert.That(together[2], Is.EqualTo(alone[2]));
            Assert.That(together[1], Is.EqualTo(alone[1].Take(together[1].Count)), "the cancelled request's tokens up to its cancellation");
            Assert.That(together[1], Has.Count.LessThan(alone[1].Count));
            Assert.That(OwnedTensors.LiveCount, Is.EqualTo(before), "every request's KV cache was freed");
        });
    }

    [Test]
    public async Task TokenLimitsStopSequencesAndAConstraintStayPerRequest()
    {
        await using MultimodalEngine engine = await MultimodalEngine.LoadAsync(VisionModel, Options);
        QwenChatRequest free = RequestFor(VisionModel, 0, new GenerationOptions { MaxNewTokens = 60 });
        string stop = (await engine.GenerateAsync(free)).Text.Substring(10, 3);
        QwenChatRequest[] requests =
        [
            free,
            RequestFor(VisionModel, 0, new GenerationOptions { MaxNewTokens = 5 }),
            RequestFor(VisionModel, 0, new GenerationOptions { MaxNewTokens = 60, StopSequences = [stop] }),
            RequestFor(VisionModel, 3, new GenerationOptions { MaxNewTokens = 30, ResponseFormat = ResponseFormat.Regex("[a-z]+( [a-z]+)*") }),
        ];
        QwenChatResponse[] alone = new QwenChatResponse[requests.Length];
        for (int i = 0; i < requests.Length; i++)
        {
            alone[i] = await engine.GenerateAsync(requests[i]);
        }

        long shared = engine.SharedDecodeSteps;
        QwenChatResponse[] together = await Task.WhenAll(requests.Select(r => engine.GenerateAsync(r)));
        Assert.Multiple(() =>
        {
            Assert.That(engine.SharedDecodeSteps - shared, Is.GreaterThan(0), "the requests shared steps");
            Assert.That(engine.LongestPrefillStall, Is.EqualTo(1), "requests arriving together are admitted one prefill chunk per step");
            Assert.That(together[1].TokenIds, Is.EqualTo(together[0].TokenIds.Take(5)), "the same prompt with a lower limit");
            Assert.That(together[1].FinishReason, Is.EqualTo(FinishReason.Length));
            Assert.That(together[0].TokenIds, Has.Count.EqualTo(60));
            Assert.That(together[2].FinishReason, Is.EqualTo(FinishReason.Stop));
            Assert.That(together[2].Text, Does.Not.Contain(stop));
            Assert.That(together[3].Text, Does.Match("^[a-z]+( [a-z]+)*$"), "the constrained request's answer");
            for (int i = 0; i < requests.Length; i++)
            {
                Assert.That(together[i].TokenIds, Is.EqualTo(alone[i].TokenIds), $"request {i}");
                Assert.That(together[i].FinishReason, Is.EqualTo(alone[i].FinishReason), $"request {i}");
                Assert.That(together[i].Text, Is.EqualTo(alone[i].Text), $"request {i}");
            }
        });
    }

    [Test]
    public async Task ARequestFinishingBesideAnotherLeavesItsKvCacheForItsNextTurn()
    {
        await using MultimodalEngine cached = await MultimodalEngine.LoadAsync(VisionModel, Options with { ReusePromptCache = true });
        await using MultimodalEngine plain = await MultimodalEngine.LoadAsync(VisionModel, Options);
        QwenChatRequest first = RequestFor(VisionModel, 1, new GenerationOptions { MaxNewTokens = 6 });
        QwenChatResponse answer = await plain.GenerateAsync(first);
        var followUp = new QwenChatRequest([.. first.Messages, QwenChatMessage.Assistant(answer.Text), QwenChatMessage.User("And then?")], new GenerationOptions { MaxNewTokens = 8 });
        QwenChatResponse expected = await plain.GenerateAsync(followUp);

        // A long request keeps running, so the short one's cache is copied out of a shared batch.
        await using IAsyncEnumerator<QwenChatResponseUpdate> running = cached.GenerateStreamingAsync(RequestFor(VisionModel, 0, new GenerationOptions { MaxNewTokens = 1500 })).GetAsyncEnumerator();
        Assert.That(await running.MoveNextAsync(), Is.True);
        QwenChatResponse again = await cached.GenerateAsync(first);
        QwenChatResponse next = await cached.GenerateAsync(followUp);
        Assert.Multiple(() =>
        {
            Assert.That(again.TokenIds, Is.EqualTo(answer.TokenIds));
            Assert.That(next.Usage.CachedPromptTokens, Is.GreaterThan(again.Usage.PromptTokens), "the follow-up reused the first turn's prompt and answer");
            Assert.That(next.TokenIds, Is.EqualTo(expected.TokenIds));
            Assert.That(cached.SharedDecodeSteps, Is.GreaterThan(10));
        });
    }

    [Test]
    public async Task NewcomersQueuedTogetherAreAdmittedOneChunkPerStepOfTheRunningRequests()
    {
        using var graph = new DecoderGraph(Open("embed_tokens"), Open("decoder_model_merged"), VisionModel);
        long[] ones = DecoderLoop.MaskOfOnes(256);
        var tokenizer = QwenTokenizer.FromFolder(VisionModel);
        int[][] prompts = [.. new[] { 12, 20, 31, 40 }.Select(n => Enumerable.Range(9707, n).ToArray())];
        using var scheduler = new BatchScheduler(graph, 4, 7, ones, null);
        var alone = new List<List<int>>();
        foreach (int[] ids in prompts)
        {
            alone.Add((await RunAsync(scheduler, [Request(graph, tokenizer, ones, ids)]))[0]);
        }

        Assert.That(scheduler.SharedSteps, Is.Zero);

        // Submitted back to back: the last three queue up while the first is prefilled alone.
        List<int>[] together = await RunAsync(scheduler, [.. prompts.Select(ids => Request(graph, tokenizer, ones, ids))]);
        Assert.Multiple(() =>
        {
            Assert.That(scheduler.SharedSteps, Is.GreaterThan(20));
            Assert.That(scheduler.LongestStall, Is.EqualTo(1), "the running requests stepped between any two prefill chunks");
            Assert.That(together, Is.EqualTo(alone));
        });
    }

    [TestCase("")]
    [TestCase("_fp16")]
    public void ADecodeStepOfOneOrThreeRequestsAllocatesNoManagedMemory(string variant)
    {
        using var graph = new DecoderGraph(Open("embed_tokens" + variant), Open("decoder_model_merged" + variant), VisionModel);
        long[] ones = DecoderLoop.MaskOfOnes(256);
        using var batch = new DecodeBatch(graph, 3, ones);
        var tokenizer = QwenTokenizer.FromFolder(VisionModel);
        var requests = new List<BatchedRequest>();
        try
        {
            long allocated = 0;
            for (int joined = 0; joined < 3; joined++)
            {
                int[] ids = [151644, 872, 198, .. Enumerable.Range(9707, 3 + (4 * joined)), 151645, 198, 151644, 77091, 198];
                long[] positions = [.. Enumerable.Range(0, 3).SelectMany(_ => Enumerable.Range(0, ids.Length).Select(p => (long)p))];
                var prompt = new PreparedPrompt(ids, positions, 0, [], [], [], [], new Dictionary<string, TimeSpan>());
                var options = new GenerationOptions { MaxNewTokens = 200 };
                var request = new BatchedRequest(prompt, new SamplingPipeline(options, ids), new ResponseStreamer(tokenizer, options, [], ids.Length, TimeSpan.Zero, 0), 256, run => new DecoderLoop(graph, run, ones), CancellationToken.None);
                requests.Add(request);
                Span<float> logits = request.Loop.Prefill(prompt);
                request.Prefilled();
                request.Accept(logits);
                batch.Join(request, request.Loop.TakeCache());
                allocated += StepAndMeasure(batch, 20);
            }

            Assert.That(batch.Width, Is.EqualTo(requests[0].Loop.Length), "the longest-running row sets the width");
            Assert.That(allocated, Is.Zero);
        }
        finally
        {
            requests.ForEach(r => r.Complete(null));
        }
    }

    private static BatchedRequest Request(DecoderGraph graph, QwenTokenizer tokenizer, long[] ones, int[] ids)
    {
        long[] positions = [.. Enumerable.Range(0, 3).SelectMany(_ => Enumerable.Range(0, ids.Length).Select(p => (long)p))];
        var prompt = new PreparedPrompt(ids, positions, 0, [], [], [], [], new Dictionary<string, TimeSpan>());
        var options = new GenerationOptions { MaxNewTokens = 30 };
        return new BatchedRequest(prompt, new SamplingPipeline(options, ids), new ResponseStreamer(tokenizer, options, [], ids.Length, TimeSpan.Zero, 0), 256, run => new DecoderLoop(graph, run, ones), CancellationToken.None);
    }

    /// <summary>Submits requests back to back and returns each one's token ids once all have left.</summary>
    private static async Task<List<int>[]> RunAsync(BatchScheduler scheduler, BatchedRequest[] requests)
    {
        foreach (BatchedRequest request in requests)
        {
            scheduler.Submit(request);
        }

        await Task.WhenAll(requests.Select(r => r.Left));
        var ids = new List<int>[requests.Length];
        for (int i = 0; i < requests.Length; i++)
        {
            ids[i] = [.. requests[i].Updates.ReadAllAsync().ToBlockingEnumerable().Select(u => u.TokenId)];
            requests[i].Dispose();
        }

        return ids;
    }

    /// <summary>Steps a batch and returns the bytes the steps themselves allocated (a first step after a join is warm-up).</summary>
    private static long StepAndMeasure(DecodeBatch batch, int steps)
    {
        long allocated = 0;
        for (int i = 0; i < steps; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            batch.Step();
            allocated += i > 0 ? GC.GetAllocatedBytesForCurrentThread() - before : 0;
            for (int row = 0; row < batch.Count; row++)
            {
                batch[row].Accept(batch.Logits(row));
            }
        }

        return allocated;
    }

    private static DirectSession Open(string graph) => OnnxSessions.OpenDirect(Path.Combine(VisionModel, "onnx", graph + ".onnx"), null, out _);

    /// <summary>Each request alone, one after another: no step is shared.</summary>
    private static async Task<List<int>[]> AloneAsync(MultimodalEngine engine, QwenChatRequest[] requests)
    {
        long shared = engine.SharedDecodeSteps;
        var ids = new List<int>[requests.Length];
        for (int i = 0; i < requests.Length; i++)
        {
            ids[i] = [.. (await engine.GenerateAsync(requests[i])).TokenIds];
        }

        Assert.That(engine.SharedDecodeSteps, Is.EqualTo(shared), "requests run one at a time share no step");
        return ids;
    }

    /// <summary>
    /// Starts request i + 1 once request i has streamed its first token (so each joins a batch already decoding), and
    /// cancels request <paramref name="cancel"/> after its fifth token; returns each request's streamed token ids.
    /// </summary>
    private static async Task<List<int>[]> StaggeredAsync(MultimodalEngine engine, QwenChatRequest[] requests, int cancel)
    {
        var ids = requests.Select(_ => new List<int>()).ToArray();
        var streams = new List<Task>();
        using var cancellation = new CancellationTokenSource();
        for (int i = 0; i < requests.Length; i++)
        {
            var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            int index = i;
            streams.Add(Task.Run(async () =>
            {
                try
                {
                    await foreach (QwenChatResponseUpdate update in engine.GenerateStreamingAsync(requests[index], index == cancel ? cancellation.Token : default))
                    {
                        ids[index].Add(update.TokenId);
                        first.TrySetResult();
                        if (index == cancel && ids[index].Count == 5)
                        {
                            await cancellation.CancelAsync();
                        }
                    }
                }
                catch (OperationCanceledException) when (index == cancel)
                {
                }
                finally
                {
                    first.TrySetResult();
                }
            }));
            await first.Task;
        }

        await Task.WhenAll(streams);
        return ids;
    }

    /// <summary>Prompts of different lengths and media per model: the VL requests alternate two images, the audio ones two tones.</summary>
    private static QwenChatRequest RequestFor(string folder, int index, GenerationOptions options)
    {
        string question = string.Join(' ', Enumerable.Repeat("Tell me more about it", 1 + (3 * index)));
        object media = folder == VisionModel ? ImagePart.FromFile(GoldenPrompt.TestData(index % 2 == 0 ? "rgb-97x61.png" : "rgba-150x90.png"))
            : folder == AudioModel ? AudioPart.FromSamples(Enumerable.Range(0, 8000).Select(s => (float)(0.3 * Math.Sin(2 * Math.PI * (220 + (110 * index)) * s / 16000))).ToArray(), 16000)
            : question;
        return media is ContentPart part && index != 2
            ? new QwenChatRequest([QwenChatMessage.User(part, question)], options)
            : new QwenChatRequest([QwenChatMessage.User(question)], options);
    }
}

/// <summary>Collects an engine's stream into one response.</summary>
internal static class EngineResponses
{
    public static async Task<QwenChatResponse> GenerateAsync(this MultimodalEngine engine, QwenChatRequest request)
    {
        var builder = new QwenChatResponseBuilder();
        await foreach (QwenChatResponseUpdate update in engine.GenerateStreamingAsync(request))
        {
            builder.Add(update);
        }

        return builder.Build();
    }
}
