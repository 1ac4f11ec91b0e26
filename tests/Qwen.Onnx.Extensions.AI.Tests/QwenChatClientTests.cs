using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Qwen.Onnx.Testing;

namespace Qwen.Onnx.Extensions.AI.Tests;

[Parallelizable(ParallelScope.None)]
public class QwenChatClientTests
{
    private static readonly string Cache = Path.Combine(Path.GetTempPath(), "qwen-onnx-tests", "models");
    private QwenModel _vl = null!;
    private QwenModel _audio = null!;

    private static byte[] Png => File.ReadAllBytes(Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", "rgb-97x61.png"));

    private static float[] Tone => [.. Enumerable.Range(0, 16000).Select(i => (float)(0.3 * Math.Sin(2 * Math.PI * 440 * i / 16000)))];

    [OneTimeSetUp]
    public async Task Load()
    {
        _vl = await QwenModel.LoadAsync(TinyModelFactory.GetOrCreateVisionLanguageModel(cacheFolder: Cache));
        _audio = await QwenModel.LoadAsync(TinyModelFactory.GetOrCreateAudioLanguageModel(cacheFolder: Cache));
    }

    [OneTimeTearDown]
    public void Unload()
    {
        _vl.Dispose();
        _audio.Dispose();
    }

    [Test]
    public async Task AnImageInDataContentReachesTheModel()
    {
        using var client = new QwenChatClient(_vl);
        ChatResponse withImage = await client.GetResponseAsync([new ChatMessage(ChatRole.User, [new DataContent(Png, "image/png"), new TextContent("What is this?")])], new ChatOptions { MaxOutputTokens = 8 });
        QwenChatResponse direct = await _vl.GenerateAsync(new QwenChatRequest([QwenChatMessage.User(ImagePart.FromBytes(Png), "What is this?")], new GenerationOptions { MaxNewTokens = 8 }));
        ChatResponse textOnly = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "What is this?")], new ChatOptions { MaxOutputTokens = 8 });
        Assert.Multiple(() =>
        {
            Assert.That(withImage.Text, Is.EqualTo(direct.Text));
            Assert.That(withImage.Usage!.InputTokenCount, Is.EqualTo(direct.Usage.PromptTokens));
            Assert.That(withImage.Usage.InputTokenCount, Is.GreaterThan(textOnly.Usage!.InputTokenCount!.Value), "the image's tokens are in the prompt");
        });
    }

    [Test]
    public async Task AudioInDataContentReachesTheModel()
    {
        byte[] wav = WavFiles.Pcm16(Tone);
        using var client = new QwenChatClient(_audio);
        ChatResponse response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, [new DataContent(wav, "audio/wav"), new TextContent("What is said?")])], new ChatOptions { MaxOutputTokens = 5 });
        QwenChatResponse direct = await _audio.GenerateAsync(new QwenChatRequest([QwenChatMessage.User(AudioPart.FromSamples(Tone, 16000), "What is said?")], new GenerationOptions { MaxNewTokens = 5 }));
        Assert.Multiple(() =>
        {
            Assert.That(response.Text, Is.EqualTo(direct.Text));
            Assert.That(response.Usage!.InputTokenCount, Is.EqualTo(direct.Usage.PromptTokens));
        });
    }

    [Test]
    public async Task StreamingUpdatesAddUpToTheResponseAndEndWithUsage()
    {
        using var client = new QwenChatClient(_vl);
        var options = new ChatOptions { MaxOutputTokens = 6, Instructions = "Be brief." };
        ChatMessage[] messages = [new ChatMessage(ChatRole.User, "Hello there")];
        ChatResponse whole = await client.GetResponseAsync(messages, options);
        var updates = new List<ChatResponseUpdate>();
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(messages, options))
        {
            updates.Add(update);
        }

        UsageContent usage = updates[^1].Contents.OfType<UsageContent>().Single();
        Assert.Multiple(() =>
        {
            Assert.That(string.Concat(updates.Select(u => u.Text)), Is.EqualTo(whole.Text));
            Assert.That(updates[^1].FinishReason, Is.EqualTo(ChatFinishReason.Length));
            Assert.That(usage.Details.OutputTokenCount, Is.EqualTo(6));
            Assert.That(whole.Usage!.TotalTokenCount, Is.EqualTo(whole.Usage.InputTokenCount + 6));
        });
    }

    [Test]
    public async Task InstructionsBecomeTheSystemPrompt()
    {
        using var client = new QwenChatClient(_vl);
        ChatResponse plain = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], new ChatOptions { MaxOutputTokens = 1 });
        ChatResponse instructed = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], new ChatOptions { MaxOutputTokens = 1, Instructions = "Answer in French, always and only." });
        Assert.That(instructed.Usage!.InputTokenCount, Is.GreaterThan(plain.Usage!.InputTokenCount!.Value));
    }

    [Test]
    public async Task ReusedPromptTokensAreReportedAsCachedInput()
    {
        using var client = new QwenChatClient(_vl);
        ChatMessage[] messages = [new ChatMessage(ChatRole.User, "Say something.")];
        await client.GetResponseAsync(messages, new ChatOptions { MaxOutputTokens = 2 });
        ChatResponse again = await client.GetResponseAsync(messages, new ChatOptions { MaxOutputTokens = 2 });
        Assert.That(again.Usage!.CachedInputTokenCount, Is.EqualTo(again.Usage.InputTokenCount - 1));
    }

    [Test]
    public void UnsupportedContentIsATypedError()
    {
        using var client = new QwenChatClient(_vl);
        var ex = Assert.ThrowsAsync<UnsupportedRequestException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, [new DataContent(new byte[3], "application/pdf")])]));
        Assert.That(ex!.Message, Does.Contain("application/pdf"));
        var video = Assert.ThrowsAsync<UnsupportedRequestException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, [new DataContent(new byte[3], "video/mp4")])]));
        Assert.That(video!.Message, Does.Contain("video/mp4").And.Contain("VideoPart"));
    }

    [Test]
    public void MetadataAndServicesAreExposed()
    {
        using var client = new QwenChatClient(_vl);
        Assert.Multiple(() =>
        {
            Assert.That(client.GetService<ChatClientMetadata>()!.ProviderName, Is.EqualTo("qwen-onnx"));
            Assert.That(client.GetService<QwenModel>(), Is.SameAs(_vl));
        });
    }

    [Test]
    public async Task DependencyInjectionBuildsAChatClientPipeline()
    {
        string model = TinyModelFactory.GetOrCreateVisionLanguageModel(cacheFolder: Cache);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddQwenChatClient(o => o.ModelPath = model).UseLogging();
        await using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient client = provider.GetRequiredService<IChatClient>();
        ChatResponse response = await client.GetResponseAsync("Hello", new ChatOptions { MaxOutputTokens = 2 });
        Assert.That(response.Usage!.OutputTokenCount, Is.EqualTo(2));
    }

    [Test]
    public void AMissingModelFolderFailsValidation()
    {
        var services = new ServiceCollection();
        services.AddQwenChatClient(o => o.ModelPath = "/no/such/model");
        using ServiceProvider provider = services.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IChatClient>());
        Assert.That(ex!.Message, Does.Contain("ModelPath"));
    }
}
