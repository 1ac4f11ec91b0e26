using Qwen.Onnx.Runtime.Direct;
using Qwen.Onnx.Testing;

namespace Qwen.Onnx.Multimodal.Tests;

/// <summary>Every request, however it ends, releases the native tensors it created; a model releases its prompt cache.</summary>
[Parallelizable(ParallelScope.None)]
public class NativeMemoryTests
{
    private static readonly string VisionModel = TinyModelFactory.GetOrCreateVisionLanguageModel(cacheFolder: Path.Combine(Path.GetTempPath(), "qwen-onnx-tests", "models"));

    private static QwenChatRequest Request(string text = "Describe it.", int maxNewTokens = 8) => new(
        [QwenChatMessage.User(ImagePart.FromFile(Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", "rgb-97x61.png")), text)],
        new GenerationOptions { MaxNewTokens = maxNewTokens });

    [Test]
    public async Task RequestsThatCompleteStopEarlyFailOrAreCancelledLeaveNoTensorBehind()
    {
        long before = OwnedTensors.LiveCount;
        await using QwenModel model = await QwenModel.LoadAsync(VisionModel, new QwenModelOptions { ReusePromptCache = false });

        await model.GenerateAsync(Request());
        Assert.That(OwnedTensors.LiveCount, Is.EqualTo(before), "completed");

        await foreach (QwenChatResponseUpdate update in model.GenerateStreamingAsync(Request(maxNewTokens: 50)))
        {
            break;
        }

        Assert.That(OwnedTensors.LiveCount, Is.EqualTo(before), "abandoned by the caller after one token");

        using var cts = new CancellationTokenSource();
        Assert.CatchAsync<OperationCanceledException>(async () =>
        {
            await foreach (QwenChatResponseUpdate update in model.GenerateStreamingAsync(Request(maxNewTokens: 50), cts.Token))
            {
                await cts.CancelAsync();
            }
        });
        Assert.That(OwnedTensors.LiveCount, Is.EqualTo(before), "cancelled");

        Assert.ThrowsAsync<PlaceholderInTextException>(() => model.GenerateAsync(Request("<|vision_start|><|image_pad|><|vision_end|>")));
        Assert.That(OwnedTensors.LiveCount, Is.EqualTo(before), "rejected input");
    }

    [Test]
    public async Task ThePromptCacheHoldsOneKvCacheUntilTheModelIsDisposed()
    {
        long before = OwnedTensors.LiveCount;
        QwenModel model = await QwenModel.LoadAsync(VisionModel);
        await model.GenerateAsync(Request());
        long held = OwnedTensors.LiveCount - before;
        await model.GenerateAsync(Request("Again."));
        await model.GenerateAsync(Request("Once more."));

        Assert.That(held, Is.EqualTo(4), "one past tensor per key and value of the tiny model's two layers");
        Assert.That(OwnedTensors.LiveCount - before, Is.EqualTo(held), "each request replaces the cache, not adds to it");
        model.Dispose();
        Assert.That(OwnedTensors.LiveCount, Is.EqualTo(before));
    }

    [Test]
    public void A_load_that_fails_after_opening_sessions_closes_every_one_of_them()
    {
        // The audio export without its preprocessor_config.json fails after every graph, the audio encoder's last, is open.
        string audioModel = TinyModelFactory.GetOrCreateAudioLanguageModel(cacheFolder: Path.Combine(Path.GetTempPath(), "qwen-onnx-tests", "models"));
        string copy = Directory.CreateTempSubdirectory("qwen-onnx-no-preprocessor-").FullName;
        try
        {
            foreach (string file in Directory.GetFiles(audioModel, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != "preprocessor_config.json"))
            {
                string target = Path.Combine(copy, Path.GetRelativePath(audioModel, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }

            long before = OrtSessionHandle.LiveCount;
            var e = Assert.ThrowsAsync<InvalidModelException>(() => QwenModel.LoadAsync(copy));
            Assert.That(e!.Message, Does.Contain("preprocessor_config.json is missing"));
            Assert.That(OrtSessionHandle.LiveCount, Is.EqualTo(before), "embed_tokens, the decoder and the audio encoder were all closed");
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Test]
    public async Task DisposeAsync_does_not_wait_for_a_stream_nobody_reads_and_frees_the_memory_when_that_stream_ends()
    {
        long tensors = OwnedTensors.LiveCount, sessions = OrtSessionHandle.LiveCount;
        var logs = new RecordingLoggerFactory();
        QwenModel model = await QwenModel.LoadAsync(VisionModel, new QwenModelOptions { LoggerFactory = logs, ReusePromptCache = false });
        IAsyncEnumerator<QwenChatResponseUpdate> stream = model.GenerateStreamingAsync(Request(maxNewTokens: 50)).GetAsyncEnumerator();
        Assert.That(await stream.MoveNextAsync(), Is.True);

        Task disposing = model.DisposeAsync().AsTask();
        Assert.That(await Task.WhenAny(disposing, Task.Delay(TimeSpan.FromSeconds(10))), Is.SameAs(disposing), "DisposeAsync returned although the stream is still open");
        Assert.That(OrtSessionHandle.LiveCount, Is.EqualTo(sessions + 3), "embed_tokens, decoder and vision encoder stay open while the stream holds them");
        Assert.That(logs.Warnings, Has.Some.Contains("1 request(s) were running").And.Some.Contains("freed when they end"));

        // The cancelled request leaves the shared decode batch at its next step and frees its KV cache then; the stream
        // reports the cancellation, which ends it.
        Assert.CatchAsync<OperationCanceledException>(async () => await stream.MoveNextAsync(), "the disposal cancelled the stream");
        await stream.DisposeAsync();
        Assert.That(OwnedTensors.LiveCount, Is.EqualTo(tensors), "the stream's end freed its tensors");
        Assert.That(OrtSessionHandle.LiveCount, Is.EqualTo(sessions), "and then the model's sessions");
        Assert.DoesNotThrowAsync(async () => await model.DisposeAsync(), "a second dispose is harmless");
        model.Dispose();
    }
}
