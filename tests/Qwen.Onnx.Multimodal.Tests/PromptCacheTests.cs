using Qwen.Onnx.Testing;

namespace Qwen.Onnx.Multimodal.Tests;

/// <summary>
/// Reusing the KV cache of the previous request: every answer must equal the answer of a model that recomputes the
/// whole prompt, and the reused count must be exactly the shared prefix.
/// </summary>
[Parallelizable(ParallelScope.None)]
public class PromptCacheTests
{
    private static readonly string VisionModel = TinyModelFactory.GetOrCreateVisionLanguageModel(cacheFolder: Path.Combine(Path.GetTempPath(), "qwen-onnx-tests", "models"));

    private static ImagePart Image(string name) => ImagePart.FromFile(Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", name));

    private static QwenChatRequest Ask(GenerationOptions options, params QwenChatMessage[] messages) => new(messages, options);

    [TestCase(OnnxGraphVariant.Fp32)]
    [TestCase(OnnxGraphVariant.Fp16)]
    public async Task ASecondTurnReusesTheFirstAndAnswersAsAFullRecomputation(OnnxGraphVariant variant)
    {
        (QwenChatResponse first, QwenChatResponse reused, QwenChatResponse recomputed) = await SecondTurnAsync(variant, QwenChatMessage.User("And the colours?"));
        Assert.Multiple(() =>
        {
            Assert.That(first.Usage.CachedPromptTokens, Is.Zero);
            Assert.That(reused.Usage.CachedPromptTokens, Is.GreaterThanOrEqualTo(first.Usage.PromptTokens), "at least the whole first prompt");
            Assert.That(reused.Usage.CachedPromptTokens, Is.LessThan(reused.Usage.PromptTokens));
            Assert.That(recomputed.Usage.CachedPromptTokens, Is.Zero);
            Assert.That(reused.TokenIds, Is.EqualTo(recomputed.TokenIds));
        });
    }

    [TestCase(OnnxGraphVariant.Fp32)]
    [TestCase(OnnxGraphVariant.Fp16)]
    public async Task ANewImageAfterACachedOneGetsItsOwnFeatures(OnnxGraphVariant variant)
    {
        // Only the suffix after the reused prefix is embedded: its pads must take the second image's rows, not the first's.
        (QwenChatResponse first, QwenChatResponse reused, QwenChatResponse recomputed) = await SecondTurnAsync(variant, QwenChatMessage.User(Image("rgba-150x90.png"), "And this one?"));
        Assert.Multiple(() =>
        {
            Assert.That(reused.Usage.CachedPromptTokens, Is.GreaterThanOrEqualTo(first.Usage.PromptTokens), "the first turn, image included, is reused");
            Assert.That(reused.TokenIds, Is.EqualTo(recomputed.TokenIds));
        });
    }

    [TestCase(OnnxGraphVariant.Fp32)]
    [TestCase(OnnxGraphVariant.Fp16)]
    public async Task AnotherImageReusesOnlyTheTextBeforeIt(OnnxGraphVariant variant)
    {
        // The cache is longer than the shared prefix, so its leading positions are copied out of it.
        await using QwenModel cached = await QwenModel.LoadAsync(VisionModel, new QwenModelOptions { GraphVariant = variant });
        await using QwenModel plain = await QwenModel.LoadAsync(VisionModel, new QwenModelOptions { GraphVariant = variant, ReusePromptCache = false });
        var options = new GenerationOptions { MaxNewTokens = 4 };
        QwenChatRequest second = Ask(options, QwenChatMessage.User(Image("rgba-150x90.png"), "Describe it."));

        await cached.GenerateAsync(Ask(options, QwenChatMessage.User(Image("rgb-97x61.png"), "Describe it.")));
        QwenChatResponse reused = await cached.GenerateAsync(second);
        QwenChatResponse recomputed = await plain.GenerateAsync(second);

        // System prompt and "<|im_start|>user\n<|vision_start|>" are shared; the first image pad already differs.
        int beforeImage = cached.Tokenizer.Encode("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<|vision_start|>").Count;
        Assert.Multiple(() =>
        {
            Assert.That(reused.Usage.CachedPromptTokens, Is.EqualTo(beforeImage));
            Assert.That(reused.TokenIds, Is.EqualTo(recomputed.TokenIds));
        });
    }

    [Test]
    public async Task TheSameRequestTwiceRunsOnlyItsLastPromptToken()
    {
        await using QwenModel model = await QwenModel.LoadAsync(VisionModel);
        QwenChatRequest request = Ask(new GenerationOptions { MaxNewTokens = 5 }, QwenChatMessage.User(Image("rgb-97x61.png"), "Describe it."));

        QwenChatResponse first = await model.GenerateAsync(request);
        QwenChatResponse again = await model.GenerateAsync(request);

        Assert.Multiple(() =>
        {
            Assert.That(again.Usage.CachedPromptTokens, Is.EqualTo(first.Usage.PromptTokens - 1));
            Assert.That(again.TokenIds, Is.EqualTo(first.TokenIds));
        });
    }

    [Test]
    public async Task ACancelledRequestLeavesNoCacheBehind()
    {
        await using QwenModel model = await QwenModel.LoadAsync(VisionModel);
        QwenChatRequest request = Ask(new GenerationOptions { MaxNewTokens = 50 }, QwenChatMessage.User(Image("rgb-97x61.png"), "Describe it."));
        QwenChatResponse complete = await model.GenerateAsync(request);

        using var cts = new CancellationTokenSource();
        Assert.CatchAsync<OperationCanceledException>(async () =>
        {
            await foreach (QwenChatResponseUpdate update in model.GenerateStreamingAsync(request, cts.Token))
            {
                await cts.CancelAsync();
            }
        });
        QwenChatResponse after = await model.GenerateAsync(request);

        Assert.Multiple(() =>
        {
            Assert.That(after.Usage.CachedPromptTokens, Is.Zero, "the cancelled request took the cache and kept nothing");
            Assert.That(after.TokenIds, Is.EqualTo(complete.TokenIds));
        });
    }

    [Test]
    public async Task A_follow_up_about_the_same_image_skips_the_vision_encoder_and_answers_the_same()
    {
        await using MultimodalEngine cached = await MultimodalEngine.LoadAsync(VisionModel);
        await using MultimodalEngine plain = await MultimodalEngine.LoadAsync(VisionModel, new QwenModelOptions { ReusePromptCache = false });
        var options = new GenerationOptions { MaxNewTokens = 4 };
        QwenChatMessage question = QwenChatMessage.User(Image("rgb-97x61.png"), "Describe it.");

        QwenChatResponse first = await Generate(cached, Ask(options, question));
        QwenChatRequest followUp = Ask(options, question, QwenChatMessage.Assistant(first.Text), QwenChatMessage.User("And the colours?"));
        QwenChatResponse second = await Generate(cached, followUp);
        Assert.That(cached.EncoderCacheMisses, Is.EqualTo(1), "the follow-up took the image's features from the cache");

        await Generate(cached, Ask(options, QwenChatMessage.User(Image("rgba-150x90.png"), "Describe it.")));
        Assert.That(cached.EncoderCacheMisses, Is.EqualTo(2), "another image is encoded");
        Assert.That(plain.EncoderCacheMisses, Is.Null);
        Assert.That(second.TokenIds, Is.EqualTo((await Generate(plain, followUp)).TokenIds), "cached features answer as freshly encoded ones");
    }

    /// <summary>A first turn about an image, then <paramref name="followUp"/>: answered with the prompt cache and by a model that recomputes everything.</summary>
    private static async Task<(QwenChatResponse First, QwenChatResponse Reused, QwenChatResponse Recomputed)> SecondTurnAsync(OnnxGraphVariant variant, QwenChatMessage followUp)
    {
        await using QwenModel cached = await QwenModel.LoadAsync(VisionModel, new QwenModelOptions { GraphVariant = variant });
        await using QwenModel plain = await QwenModel.LoadAsync(VisionModel, new QwenModelOptions { GraphVariant = variant, ReusePromptCache = false });
        var options = new GenerationOptions { MaxNewTokens = 6 };
        QwenChatMessage question = QwenChatMessage.User(Image("rgb-97x61.png"), "Describe it.");
        QwenChatResponse first = await cached.GenerateAsync(Ask(options, question));
        QwenChatRequest secondTurn = Ask(options, question, QwenChatMessage.Assistant(first.Text), followUp);
        return (first, await cached.GenerateAsync(secondTurn), await plain.GenerateAsync(secondTurn));
    }

    private static async Task<QwenChatResponse> Generate(MultimodalEngine engine, QwenChatRequest request)
    {
        var builder = new QwenChatResponseBuilder();
        await foreach (QwenChatResponseUpdate update in engine.GenerateStreamingAsync(request))
        {
            builder.Add(update);
        }

        return builder.Build();
    }
}
