namespace Qwen.Onnx.Text.Tests;

public class BadInputTests
{
    private readonly List<string> _copies = [];

    [TearDown]
    public void DeleteCopies()
    {
        foreach (string copy in _copies)
        {
            Directory.Delete(copy, recursive: true);
        }

        _copies.Clear();
    }

    [Test]
    public void AMissingFolder()
    {
        var ex = Assert.ThrowsAsync<InvalidModelException>(() => QwenModel.LoadAsync("/no/such/model"));
        Assert.That(ex!.Message, Does.Contain("does not exist"));
    }

    [TestCase("genai_config.json", "genai_config.json is missing")]
    [TestCase("tokenizer.json", "tokenizer.json is missing")]
    [TestCase("tokenizer_config.json", "tokenizer_config.json is missing")]
    [TestCase("model.onnx", "'model.onnx' named in genai_config.json is missing")]
    public void AMissingFileIsNamed(string file, string message)
    {
        string folder = Copy();
        File.Delete(Path.Combine(folder, file));
        var ex = Assert.ThrowsAsync<InvalidModelException>(() => QwenModel.LoadAsync(folder));
        Assert.That(ex!.Message, Does.Contain(message));
    }

    [TestCase("{ \"model\": ", "not valid JSON")]
    [TestCase("{\"model\":{\"type\":\"qwen2\",\"vocab_size\":151936,\"decoder\":{\"filename\":\"model.onnx\"}}}", "has no \"context_length\"")]
    [TestCase("{\"model\":{\"type\":\"qwen2\",\"vocab_size\":151936,\"context_length\":0,\"decoder\":{\"filename\":\"model.onnx\"}}}", "must be greater than 0")]
    public void AnInvalidConfigSaysWhatIsWrong(string json, string message)
    {
        string folder = Copy();
        File.WriteAllText(Path.Combine(folder, "genai_config.json"), json);
        var ex = Assert.ThrowsAsync<InvalidModelException>(() => QwenModel.LoadAsync(folder));
        Assert.That(ex!.Message, Does.Contain(message));
    }

    [Test]
    public void AConfigGenAiRejectsCarriesGenAisReason()
    {
        string folder = Copy();
        string path = Path.Combine(folder, "genai_config.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"type\": \"qwen2\"", "\"type\": \"qwen2_audio\"", StringComparison.Ordinal));
        var ex = Assert.ThrowsAsync<InvalidModelException>(() => QwenModel.LoadAsync(folder));
        Assert.That(ex!.Message, Does.Contain("Unsupported model_type").And.Contain("qwen2_audio"));
    }

    [Test]
    public void AMalformedTokenizerIsAnInvalidModel()
    {
        string folder = Copy();
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), "{\"model\":{\"type\":\"Unigram\"}}");
        var ex = Assert.ThrowsAsync<InvalidModelException>(() => QwenModel.LoadAsync(folder));
        Assert.That(ex!.Message, Does.Contain("tokenizer"));
    }

    [Test]
    public async Task APromptLongerThanTheContextIsRejectedBeforeGenerating()
    {
        await using QwenModel model = await QwenModel.LoadAsync(TinyModels.TextWithContext(64));
        string prompt = string.Join(' ', Enumerable.Repeat("word", 100));
        var ex = Assert.ThrowsAsync<PromptTooLongException>(() => model.GenerateAsync(prompt));
        Assert.Multiple(() =>
        {
            Assert.That(ex!.ContextLength, Is.EqualTo(64));
            Assert.That(ex.PromptTokens, Is.GreaterThan(100));
        });
    }

    [Test]
    public async Task AnAnswerThatFillsTheContextEndsWithLength()
    {
        await using QwenModel model = await QwenModel.LoadAsync(TinyModels.TextWithContext(64));
        QwenChatResponse response = await model.GenerateAsync("Hi", new GenerationOptions { MaxNewTokens = 500 });
        Assert.Multiple(() =>
        {
            Assert.That(response.FinishReason, Is.EqualTo(FinishReason.Length));
            Assert.That(response.Usage.TotalTokens, Is.LessThanOrEqualTo(64));
        });
    }

    [Test]
    public async Task ImagesAndAudioNeedAnEncoderTheTextModelLacks()
    {
        await using QwenModel model = await QwenModel.LoadAsync(TinyModels.Text);
        var image = new QwenChatRequest([QwenChatMessage.User(ImagePart.FromFile("cat.png"), "What is this?")]);
        var audio = new QwenChatRequest([QwenChatMessage.User(AudioPart.FromSamples(new float[1600], 16000), "What is said?")]);
        var imageError = Assert.ThrowsAsync<UnsupportedModalityException>(() => model.GenerateAsync(image));
        var audioError = Assert.ThrowsAsync<UnsupportedModalityException>(() => model.GenerateAsync(audio));
        Assert.Multiple(() =>
        {
            Assert.That(imageError!.Message, Does.Contain("no vision encoder"));
            Assert.That(audioError!.Message, Does.Contain("no audio encoder"));
        });
    }

    [Test]
    public void InvalidOptionsAreRejected() =>
        Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () =>
        {
            await using QwenModel model = await QwenModel.LoadAsync(TinyModels.Text);
            await model.GenerateAsync("Hi", new GenerationOptions { TopP = 2f });
        });

    [Test]
    public async Task ADisposedModelRefusesRequests()
    {
        QwenModel model = await QwenModel.LoadAsync(TinyModels.Text);
        model.Dispose();
        model.Dispose();
        Assert.ThrowsAsync<ObjectDisposedException>(() => model.GenerateAsync("Hi"));
    }

    [Test]
    public async Task DisposingWhileAnotherThreadStreamsEndsTheStreamInsteadOfCrashing()
    {
        QwenModel model = await QwenModel.LoadAsync(TinyModels.Text);
        Task? disposing = null;
        int received = 0;
        Assert.ThrowsAsync<OperationCanceledException>(async () =>
        {
            await foreach (QwenChatResponseUpdate _ in model.GenerateStreamingAsync(QwenChatRequest.FromPrompt("Go on.", options: new GenerationOptions { MaxNewTokens = 500 })))
            {
                if (++received == 2)
                {
                    disposing = Task.Run(model.Dispose);
                    await Task.Delay(50);
                }
            }
        });
        Assert.That(disposing, Is.Not.Null);
        Assert.That(await Task.WhenAny(disposing!, Task.Delay(TimeSpan.FromSeconds(20))), Is.SameAs(disposing), "Dispose waits for the stream to leave, then returns");
        Assert.ThrowsAsync<ObjectDisposedException>(() => model.GenerateAsync("Hi"));
    }

    private string Copy()
    {
        string copy = TinyModels.DisposableCopy();
        _copies.Add(copy);
        return copy;
    }
}
