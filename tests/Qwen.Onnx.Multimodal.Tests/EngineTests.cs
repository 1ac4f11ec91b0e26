using Qwen.Onnx.Audio;
using Qwen.Onnx.Audio.Encoding;
using Qwen.Onnx.Audio.Features;
using Qwen.Onnx.Testing;
using Qwen.Onnx.Vision.Encoding;
using Qwen.Onnx.Vision.Preprocessing;

namespace Qwen.Onnx.Multimodal.Tests;

[Parallelizable(ParallelScope.None)]
public class EngineTests
{
    private static readonly string Cache = Path.Combine(Path.GetTempPath(), "qwen-onnx-tests", "models");
    private static readonly string VisionModel = TinyModelFactory.GetOrCreateVisionLanguageModel(cacheFolder: Cache);
    private static readonly string AudioModel = TinyModelFactory.GetOrCreateAudioLanguageModel(cacheFolder: Cache);
    private const int VideoPad = 151656;
    private QwenModel _vl = null!;
    private QwenModel _audio = null!;

    internal static string CopyWithModelType(string source, string modelType)
    {
        string folder = Directory.CreateTempSubdirectory("qwen-vl-copy-").FullName;
        foreach (string file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(folder, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        string config = Path.Combine(folder, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"qwen2_vl\"", $"\"{modelType}\"", StringComparison.Ordinal));
        return folder;
    }

    private static string Image(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", name);

    [OneTimeSetUp]
    public async Task Load()
    {
        _vl = await QwenModel.LoadAsync(VisionModel);
        _audio = await QwenModel.LoadAsync(AudioModel);
    }

    [OneTimeTearDown]
    public void Unload()
    {
        _vl.Dispose();
        _audio.Dispose();
    }

    [Test]
    public async Task ImageGreedyIdsEqualAFullSequencePassWithoutCache()
    {
        GoldenPrompt golden = GoldenPrompt.Named("one image");
        QwenChatResponse response = await _vl.GenerateAsync(golden.ToRequest(new GenerationOptions { MaxNewTokens = 12 }));

        using ProcessedImage image = new QwenImageProcessor(QwenImageProcessorOptions.FromModelFolder(VisionModel)).Process(Vision.Loading.ImageDecoding.DecodeAsync(ImagePart.FromFile(Image("rgb-97x61.png"))).GetAwaiter().GetResult());
        using QwenVisionEncoder encoder = QwenVisionEncoder.Open(VisionModel);
        using var reference = new FullSequenceReference(VisionModel);
        List<int> expected = reference.Greedy(golden.InputIds, 151655, encoder.Encode(image), golden.Positions, 12, [.. _vl.Tokenizer.EndOfTurnTokenIds]);
        Assert.Multiple(() =>
        {
            Assert.That(image.TokenCount, Is.EqualTo(golden.MediaTokens[0]));
            Assert.That(response.TokenIds, Is.EqualTo(expected));
            Assert.That(response.Usage.PromptTokens, Is.EqualTo(golden.InputIds.Length));
        });
    }

    [Test]
    public async Task ThreadOptionsReachEverySessionAndKeepTheAnswers()
    {
        var request = new QwenChatRequest([QwenChatMessage.User(ImagePart.FromFile(Image("rgb-97x61.png")), "What is this?")], new GenerationOptions { MaxNewTokens = 8 });
        int before = ProcessThreads.Count();
        await using QwenModel single = await QwenModel.LoadAsync(VisionModel, new QwenModelOptions { IntraOpThreads = 1, AllowThreadSpinning = true, ReusePromptCache = false });
        int withSingle = ProcessThreads.Count();
        await using QwenModel eight = await QwenModel.LoadAsync(VisionModel, new QwenModelOptions { IntraOpThreads = 8, ReusePromptCache = false });
        int withEight = ProcessThreads.Count();
        int[] expected = (await _vl.GenerateAsync(request)).TokenIds.ToArray();
        Assert.Multiple(async () =>
        {
            // Three sessions (embed_tokens, decoder, vision encoder), each with an intra-op pool of N − 1 workers.
            Assert.That(withEight - withSingle, Is.GreaterThanOrEqualTo(3 * 7), "IntraOpThreads = 8 reached every session");
            Assert.That(withSingle - before, Is.LessThan(3 * 7), "IntraOpThreads = 1 started no pools");
            Assert.That((await single.GenerateAsync(request)).TokenIds, Is.EqualTo(expected));
            Assert.That((await eight.GenerateAsync(request)).TokenIds, Is.EqualTo(expected));
        });
    }

    [Test]
    public async Task AudioGreedyIdsEqualAFullSequencePassWithoutCache()
    {
        GoldenPrompt golden = GoldenPrompt.Named("one audio clip");
        float[] tone = [.. Enumerable.Range(0, 24000).Select(i => (float)(0.3 * Math.Sin(2 * Math.PI * 300 * i / 16000)))];
        QwenChatResponse response = await _audio.GenerateAsync(golden.ToRequest(new GenerationOptions { MaxNewTokens = 12 }));

        ProcessedAudio audio = QwenAudioProcessor.FromModelFolder(AudioModel).Process(tone);
        using QwenAudioEncoder encoder = QwenAudioEncoder.Open(AudioModel);
        using var reference = new FullSequenceReference(AudioModel);
        List<int> expected = reference.Greedy(golden.InputIds, 151646, encoder.Encode(audio), null, 12, [.. _audio.Tokenizer.EndOfTurnTokenIds]);
        Assert.Multiple(() =>
        {
            Assert.That(audio.TokenCounts[0], Is.EqualTo(golden.MediaTokens[0]).And.EqualTo(37));
            Assert.That(response.TokenIds, Is.EqualTo(expected));
        });
    }

    [Test]
    public async Task VideoGreedyIdsEqualAFullSequencePassWithoutCache()
    {
        GoldenPrompt golden = GoldenPrompt.Named("a video on Qwen2-VL");
        QwenChatRequest request = golden.ToRequest(new GenerationOptions { MaxNewTokens = 12 });
        VideoPart video = request.Messages[0].Parts.OfType<VideoPart>().Single();
        QwenChatResponse response = await _vl.GenerateAsync(request);

        using ProcessedImage pixels = await new QwenImageProcessor(QwenImageProcessorOptions.FromModelFolder(VisionModel)).ProcessVideoAsync(video);
        using QwenVisionEncoder encoder = QwenVisionEncoder.Open(VisionModel);
        using var reference = new FullSequenceReference(VisionModel);
        List<int> expected = reference.Greedy(golden.InputIds, VideoPad, encoder.Encode(pixels), golden.Positions, 12, [.. _vl.Tokenizer.EndOfTurnTokenIds]);
        Assert.Multiple(() =>
        {
            Assert.That(pixels.GridT, Is.EqualTo(2), "three frames pad to two temporal patches");
            Assert.That(response.TokenIds, Is.EqualTo(expected));
            Assert.That(pixels.TokenCount, Is.EqualTo(golden.MediaTokens[0]));
            Assert.That(response.Usage.PromptTokens, Is.EqualTo(golden.InputIds.Length));
        });
    }

    [Test]
    public async Task AnImageAndAVideoInOnePromptTakeTheirOwnPadsInOrder()
    {
        VideoPart video = VideoPart.FromFrameFiles([Image("video-frame-0.png"), Image("video-frame-1.png")]).WithPixelBounds(3136, 8000);
        var request = new QwenChatRequest([QwenChatMessage.User(video, "and", ImagePart.FromFile(Image("rgb-97x61.png")), "?")]);
        using MultimodalEngine engine = await MultimodalEngine.LoadAsync(VisionModel);
        PromptInspection inspection = await engine.InspectPromptAsync(request);

        int s = inspection.InputIds.Length;
        int firstVideo = Array.IndexOf(inspection.InputIds, VideoPad), firstImage = Array.IndexOf(inspection.InputIds, 151655);
        Assert.Multiple(() =>
        {
            Assert.That(inspection.PromptText, Does.Contain("<|vision_start|><|video_pad|><|vision_end|>and<|vision_start|><|image_pad|><|vision_end|>?"));
            Assert.That(inspection.VideoTokens, Is.EqualTo(new[] { 6 }), "one temporal patch of a 56×84 frame: 1·4·6/4");
            Assert.That(inspection.ImageTokens, Is.EqualTo(new[] { 6 }));
            Assert.That(inspection.InputIds.Count(id => id == VideoPad), Is.EqualTo(6));
            Assert.That(firstVideo, Is.LessThan(firstImage));

            // Qwen2-VL: the video block starts after the text before it; h and w rows span its 2×3 merged grid.
            Assert.That(inspection.PositionIds[firstVideo + 5], Is.EqualTo(firstVideo));
            Assert.That(inspection.PositionIds[s + firstVideo + 5], Is.EqualTo(firstVideo + 1));
            Assert.That(inspection.PositionIds[(2 * s) + firstVideo + 5], Is.EqualTo(firstVideo + 2));
        });
    }

    [TestCase(2.0, 2)]
    [TestCase(1.0, 4)]
    [TestCase(4.0, 1)]
    public async Task Qwen25VlSpacesVideoTimeBySecondsPerTemporalPatch(double fps, int secondPatchOffset)
    {
        using MultimodalEngine engine = await MultimodalEngine.LoadAsync(TinyModelFactory.GetOrCreateQwen25VisionLanguageModel(cacheFolder: Cache));
        VideoPart video = VideoPart.FromFrameFiles([.. Enumerable.Range(0, 4).Select(i => Image($"video-frame-{i % 3}.png"))], fps).WithPixelBounds(3136, 8000);
        PromptInspection inspection = await engine.InspectPromptAsync(new QwenChatRequest([QwenChatMessage.User(video, "?")]));

        // Two temporal patches of 2×3 merged tokens: the second patch's t row is 2 s/fps × 2 tokens per second later.
        int first = Array.IndexOf(inspection.InputIds, VideoPad);
        Assert.That(inspection.PositionIds[first + 6] - inspection.PositionIds[first], Is.EqualTo(secondPatchOffset));
    }

    [Test]
    public async Task Qwen3VlVideosAreRejectedWithAnExplanation()
    {
        string folder = CopyWithModelType(VisionModel, "qwen3_vl");
        try
        {
            using MultimodalEngine engine = await MultimodalEngine.LoadAsync(folder);
            var request = new QwenChatRequest([QwenChatMessage.User(VideoPart.FromFrameFiles([Image("video-frame-0.png")]).WithPixelBounds(3136, 8000), "?")]);
            var e = Assert.ThrowsAsync<UnsupportedRequestException>(() => engine.InspectPromptAsync(request));
            Assert.That(e!.Message, Does.Contain("Qwen3-VL").And.Contain("frames as images"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestCase("embed_tokens.onnx", "vision_encoder.onnx", "embed_tokens")]
    [TestCase("decoder_model_merged.onnx", "embed_tokens.onnx", "no inputs_embeds input")]
    public void GraphsInTheWrongPlaceAreInvalidModels(string target, string source, string message)
    {
        string folder = CopyWithModelType(VisionModel, "qwen2_vl");
        try
        {
            File.Copy(Path.Combine(folder, "onnx", source), Path.Combine(folder, "onnx", target), overwrite: true);
            var e = Assert.ThrowsAsync<InvalidModelException>(() => QwenModel.LoadAsync(folder));
            Assert.That(e!.Message, Does.Contain(message));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void ToolsOnQwen2VlAreRefusedWithTheReason()
    {
        var request = new QwenChatRequest([QwenChatMessage.User("Weather?")]) { Tools = [new QwenTool("get_weather")] };
        var e = Assert.ThrowsAsync<UnsupportedRequestException>(() => _vl.GenerateAsync(request));
        Assert.That(e!.Message, Does.Contain("the chat templates of Qwen2-VL and Qwen2-Audio have no tool section"));
    }

    [Test]
    public void VideoForAModelWithoutAVisionEncoderIsRejected()
    {
        var request = new QwenChatRequest([QwenChatMessage.User(VideoPart.FromFrameFiles([Image("video-frame-0.png")]), "?")]);
        var e = Assert.ThrowsAsync<UnsupportedModalityException>(() => _audio.GenerateAsync(request));
        Assert.That(e!.Message, Does.Contain("video"));
    }

    [Test]
    public async Task ChangingTheImageOrTheAudioChangesTheAnswer()
    {
        QwenChatResponse a = await _vl.GenerateAsync(ImageRequest("rgb-97x61.png"));
        QwenChatResponse b = await _vl.GenerateAsync(ImageRequest("rgba-150x90.png"));
        QwenChatResponse low = await _audio.GenerateAsync(AudioRequest(300));
        QwenChatResponse high = await _audio.GenerateAsync(AudioRequest(3000));
        Assert.Multiple(() =>
        {
            Assert.That(a.TokenIds, Is.Not.EqualTo(b.TokenIds));
            Assert.That(low.TokenIds, Is.Not.EqualTo(high.TokenIds));
        });
    }

    [Test]
    public async Task TwoImagesInOneRequest()
    {
        GoldenPrompt golden = GoldenPrompt.Named("two images with text between");
        QwenChatResponse response = await _vl.GenerateAsync(golden.ToRequest(new GenerationOptions { MaxNewTokens = 4 }));
        Assert.That(response.Usage.PromptTokens, Is.EqualTo(golden.InputIds.Length));
    }

    [Test]
    public async Task TheCompletionReportsEveryStage()
    {
        var request = new QwenChatRequest([QwenChatMessage.User(ImagePart.FromFile(Image("rgb-97x61.png")), "What is this?")], new GenerationOptions { MaxNewTokens = 5 });
        QwenCompletion? completion = null;
        await foreach (QwenChatResponseUpdate update in _vl.GenerateStreamingAsync(request))
        {
            completion = update.Completion ?? completion;
        }

        Assert.That(completion!.Usage.CompletionTokens, Is.EqualTo(5), "the tiny model does not end its turn this early");
        Assert.That(completion.Stages.Keys, Is.EquivalentTo(new[] { "preprocess", "vision", "audio", "embed", "prefill", "decode_run", "sample" }));
        Assert.That(completion.Stages["embed"], Is.GreaterThan(TimeSpan.Zero));
        Assert.That(completion.Stages["decode_run"], Is.GreaterThan(TimeSpan.Zero).And.LessThan(completion.Timings.Decode));
        Assert.That(completion.Stages["vision"] + completion.Stages["embed"] + completion.Stages["prefill"], Is.LessThan(completion.Timings.TimeToFirstToken));
    }

    [Test]
    public async Task EightConcurrentRequestsEqualSequentialOnes()
    {
        QwenChatRequest[] requests = [.. Enumerable.Range(0, 8).Select(i => new QwenChatRequest(
            [QwenChatMessage.User(ImagePart.FromFile(Image(i % 2 == 0 ? "rgb-97x61.png" : "rgba-150x90.png")), $"Question {i}?")],
            new GenerationOptions { MaxNewTokens = 6 }))];
        var sequential = new List<IReadOnlyList<int>>();
        foreach (QwenChatRequest request in requests)
        {
            sequential.Add((await _vl.GenerateAsync(request)).TokenIds);
        }

        QwenChatResponse[] concurrent = await Task.WhenAll(requests.Select(r => Task.Run(() => _vl.GenerateAsync(r))));
        Assert.That(concurrent.Select(r => r.TokenIds), Is.EqualTo(sequential));
    }

    [Test]
    public void CancellationStopsTheLoop()
    {
        using var cts = new CancellationTokenSource();
        int received = 0;
        Assert.ThrowsAsync<OperationCanceledException>(async () =>
        {
            await foreach (QwenChatResponseUpdate _ in _vl.GenerateStreamingAsync(QwenChatRequest.FromPrompt("Go on.", options: new GenerationOptions { MaxNewTokens = 300 }), cts.Token))
            {
                if (++received == 3)
                {
                    await cts.CancelAsync();
                }
            }
        });
        Assert.That(received, Is.EqualTo(3));
    }

    [Test]
    public void AudioForAVisionOnlyModelNamesTheMissingEncoder()
    {
        var ex = Assert.ThrowsAsync<UnsupportedModalityException>(() => _vl.GenerateAsync(AudioRequest(300)));
        Assert.That(ex!.Message, Does.Contain("no audio encoder").And.Contain("vl-"));
    }

    [Test]
    public void PlaceholdersTypedIntoTheTextAreRejected()
    {
        var request = new QwenChatRequest([QwenChatMessage.User(ImagePart.FromFile(Image("rgb-97x61.png")), "and <|image_pad|> here")]);
        var ex = Assert.ThrowsAsync<PlaceholderInTextException>(() => _vl.GenerateAsync(request));
        Assert.That(ex!.Message, Does.Contain("2 <|image_pad|> placeholders for 1 images"));
        Assert.That(ex.Placeholder, Is.EqualTo("<|image_pad|>"));
    }

    [Test]
    public async Task APromptBeyondTheContextIsRejected()
    {
        await using QwenModel small = await QwenModel.LoadAsync(TinyModelFactory.GetOrCreateVisionLanguageModel(new TinyQwenConfig { ContextLength = 64 }, Cache));
        var ex = Assert.ThrowsAsync<PromptTooLongException>(() => small.GenerateAsync(new QwenChatRequest([QwenChatMessage.User(ImagePart.FromFile(Image("rgba-150x90.png")), string.Join(' ', Enumerable.Repeat("word", 60)))])));
        Assert.That(ex!.ContextLength, Is.EqualTo(64));
    }

    private static QwenChatRequest ImageRequest(string image) =>
        new([QwenChatMessage.User(ImagePart.FromFile(Image(image)), "Describe.")], new GenerationOptions { MaxNewTokens = 8 });

    private static QwenChatRequest AudioRequest(double frequency) =>
        new([QwenChatMessage.User(AudioPart.FromSamples(Enumerable.Range(0, 16000).Select(i => (float)(0.3 * Math.Sin(2 * Math.PI * frequency * i / 16000))).ToArray(), 16000), "Listen.")], new GenerationOptions { MaxNewTokens = 8 });
}

public class OmniTests
{
    [Test]
    public async Task OneRequestCarriesAnImageAndAudioTogether()
    {
        string folder = TinyModelFactory.GetOrCreateOmniModel(cacheFolder: Path.Combine(Path.GetTempPath(), "qwen-onnx-tests", "models"));
        await using QwenModel model = await QwenModel.LoadAsync(folder);
        string image = Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", "rgb-97x61.png");
        QwenChatRequest Request(double frequency) => new(
            [QwenChatMessage.User(ImagePart.FromFile(image), AudioPart.FromSamples(Enumerable.Range(0, 16000).Select(i => (float)(0.3 * Math.Sin(2 * Math.PI * frequency * i / 16000))).ToArray(), 16000), "What do you see and hear?")],
            new GenerationOptions { MaxNewTokens = 6 });
        QwenChatResponse a = await model.GenerateAsync(Request(300));
        QwenChatResponse b = await model.GenerateAsync(Request(3000));
        // Qwen2-VL's image placeholder (qwen-inputs.md §2.2) and Qwen2-Audio's numbered audio line (§2.3) in one ChatML turn.
        const string prompt = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>" +
            "Audio 1: <|audio_bos|><|AUDIO|><|audio_eos|>\nWhat do you see and hear?<|im_end|>\n<|im_start|>assistant\n";
        int textTokens = model.Tokenizer.Encode(prompt).Count;
        Assert.Multiple(() =>
        {
            Assert.That(a.Usage.PromptTokens, Is.EqualTo(textTokens + (6 - 1) + (25 - 1)), "6 image and 25 audio tokens replace their placeholders");
            Assert.That(a.TokenIds, Is.Not.EqualTo(b.TokenIds), "the audio reaches the model next to the image");
        });
    }
}

public class HalfPrecisionTests
{
    [Test]
    public async Task Float16ExportsRunWithTheirKvCacheInFloat16()
    {
        string folder = TinyModelFactory.GetOrCreateVisionLanguageModel(cacheFolder: Path.Combine(Path.GetTempPath(), "qwen-onnx-tests", "models"));
        string image = Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", "rgb-97x61.png");
        var request = new QwenChatRequest([QwenChatMessage.User(ImagePart.FromFile(image), "Describe.")], new GenerationOptions { MaxNewTokens = 8 });
        await using QwenModel full = await QwenModel.LoadAsync(folder);
        await using QwenModel half = await QwenModel.LoadAsync(folder, new QwenModelOptions { GraphVariant = OnnxGraphVariant.Fp16 });
        QwenChatResponse expected = await full.GenerateAsync(request);
        QwenChatResponse actual = await half.GenerateAsync(request);
        Assert.Multiple(() =>
        {
            Assert.That(actual.TokenIds, Has.Count.EqualTo(8));
            Assert.That(actual.Usage.PromptTokens, Is.EqualTo(expected.Usage.PromptTokens));
            Assert.That(actual.TokenIds.Take(3), Is.EqualTo(expected.TokenIds.Take(3)), "float16 rounding may change later random-model tokens, not the first ones");
        });
    }
}

public class DisposalTests
{
    [Test]
    public async Task DisposingWhileAnotherThreadStreamsEndsTheStreamInsteadOfCrashing()
    {
        QwenModel model = await QwenModel.LoadAsync(TinyModelFactory.GetOrCreateVisionLanguageModel(cacheFolder: Path.Combine(Path.GetTempPath(), "qwen-onnx-tests", "models")));
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
        Assert.That(await Task.WhenAny(disposing!, Task.Delay(TimeSpan.FromSeconds(20))), Is.SameAs(disposing));
        Assert.ThrowsAsync<ObjectDisposedException>(() => model.GenerateAsync("Hi"));
    }
}
