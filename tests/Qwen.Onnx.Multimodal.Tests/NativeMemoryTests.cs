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
        long before = NativeTensor.LiveCount;
        await using QwenModel model = await QwenModel.LoadAsync(VisionModel, new QwenModelOptions { ReusePromptCache = false });

        await model.GenerateAsync(Request());
        Assert.That(NativeTensor.LiveCount, Is.EqualTo(before), "completed");

        await foreach (QwenChatResponseUpdate update in model.GenerateStreamingAsync(Request(maxNewTokens: 50)))
        {
            break;
        }

        Assert.That(NativeTensor.LiveCount, Is.EqualTo(before), "abandoned by the caller after one token");

        using var cts = new CancellationTokenSource();
        Assert.CatchAsync<OperationCanceledException>(async () =>
        {
            await foreach (QwenChatResponseUpdate update in model.GenerateStreamingAsync(Request(maxNewTokens: 50), cts.Token))
            {
                await cts.CancelAsync();
            }
        });
        Assert.That(NativeTensor.LiveCount, Is.EqualTo(before), "cancelled");

        Assert.ThrowsAsync<ArgumentException>(() => model.GenerateAsync(Request("<|vision_start|><|image_pad|><|vision_end|>")));
        Assert.That(NativeTensor.LiveCount, Is.EqualTo(before), "rejected input");
    }

    [Test]
    public async Task ThePromptCacheHoldsOneKvCacheUntilTheModelIsDisposed()
    {
        long before = NativeTensor.LiveCount;
        QwenModel model = await QwenModel.LoadAsync(VisionModel);
        await model.GenerateAsync(Request());
        long held = NativeTensor.LiveCount - before;
        await model.GenerateAsync(Request("Again."));
        await model.GenerateAsync(Request("Once more."));

        Assert.That(held, Is.EqualTo(4), "one past tensor per key and value of the tiny model's two layers");
        Assert.That(NativeTensor.LiveCount - before, Is.EqualTo(held), "each request replaces the cache, not adds to it");
        model.Dispose();
        Assert.That(NativeTensor.LiveCount, Is.EqualTo(before));
    }
}
