namespace Qwen.Onnx.Core.Tests;

public class RequestTests
{
    [Test]
    public void PartsKeepTheirOrderAndKinds()
    {
        byte[] pixels = new byte[2 * 2 * 3];
        var message = QwenChatMessage.User("look", ImagePart.FromPixels(pixels, 2, 2, PixelFormat.Rgb24), AudioPart.FromSamples(new float[16], 16000), "and listen");
        var request = new QwenChatRequest([QwenChatMessage.System("be brief"), message]);
        Assert.Multiple(() =>
        {
            Assert.That(message.Parts.Select(p => p.GetType().Name), Is.EqualTo(new[] { "TextPart", "ImagePart", "AudioPart", "TextPart" }));
            Assert.That(message.Text, Is.EqualTo("lookand listen"));
            Assert.That(request.Images.Count(), Is.EqualTo(1));
            Assert.That(request.Audios.Count(), Is.EqualTo(1));
        });
    }

    [Test]
    public void OnlyUserMessagesCarryMedia()
    {
        var ex = Assert.Throws<ArgumentException>(() => new QwenChatMessage(QwenChatRole.Assistant, [ImagePart.FromFile("a.png")]));
        Assert.That(ex!.Message, Does.Contain("Only user messages"));
    }

    [Test]
    public void AnEmptyConversationIsRejected() =>
        Assert.Throws<ArgumentException>(() => new QwenChatRequest([]));

    [Test]
    public void RawPixelsMustCoverTheirGeometry()
    {
        var ex = Assert.Throws<ArgumentException>(() => ImagePart.FromPixels(new byte[10], 2, 2, PixelFormat.Rgba32));
        Assert.That(ex!.Message, Does.Contain("need 16 bytes"));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImagePart.FromPixels(new byte[64], 4, 2, PixelFormat.Rgba32, stride: 8));
        Assert.That(ImagePart.FromPixels(new byte[40], 4, 2, PixelFormat.Rgba32, stride: 24).Pixels!.Stride, Is.EqualTo(24));
    }

    [Test]
    public void InterleavedSamplesMustSplitIntoChannels() =>
        Assert.Throws<ArgumentException>(() => AudioPart.FromSamples(new short[3], 44100, channels: 2));

    [TestCase(0f, null, null, null, "Temperature")]
    [TestCase(null, 0, null, null, "TopK")]
    [TestCase(null, null, 1.5f, null, "TopP")]
    [TestCase(null, null, null, -1f, "RepetitionPenalty")]
    public void InvalidOptionsNameTheOption(float? temperature, int? topK, float? topP, float? penalty, string name)
    {
        var options = new GenerationOptions { Temperature = temperature, TopK = topK, TopP = topP, RepetitionPenalty = penalty };
        var ex = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.That(ex!.ParamName, Is.EqualTo(name));
    }

    [Test]
    public void AThreadCountMustBePositive()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(new QwenModelOptions { IntraOpThreads = 0 }.Validate);
        Assert.That(ex!.ParamName, Is.EqualTo("IntraOpThreads"));
        Assert.DoesNotThrow(new QwenModelOptions { IntraOpThreads = 1 }.Validate);
    }

    [Test]
    public void SamplingIsOnlyOnWhenASamplingOptionIsSet()
    {
        Assert.Multiple(() =>
        {
            Assert.That(new GenerationOptions().IsSampling, Is.False);
            Assert.That(new GenerationOptions { Temperature = 0.7f }.IsSampling, Is.True);
            Assert.That(new GenerationOptions { TopP = 0.8f, Greedy = true }.IsSampling, Is.False);
            Assert.That(new GenerationOptions { Greedy = false }.IsSampling, Is.True);
        });
    }

    [TestCase("cpu", ExecutionProvider.Cpu)]
    [TestCase("CUDA", ExecutionProvider.Cuda)]
    [TestCase("dml", ExecutionProvider.DirectML)]
    [TestCase("DirectML", ExecutionProvider.DirectML)]
    public void DeviceNamesParse(string name, ExecutionProvider expected) =>
        Assert.That(ExecutionProviderPackages.Parse(name), Is.EqualTo(expected));

    [Test]
    public void UnknownDeviceNamesAreRejected() =>
        Assert.Throws<ArgumentException>(() => ExecutionProviderPackages.Parse("tpu"));

    [Test]
    public void VideoPartsValidateTheirFramesAndRate()
    {
        ImagePart frame = ImagePart.FromFile("frame.png");
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentException>(() => VideoPart.FromFrames([]));
            Assert.Throws<ArgumentException>(() => VideoPart.FromFrames(Enumerable.Repeat(frame, VideoPart.MaxFrames + 1)));
            Assert.Throws<ArgumentOutOfRangeException>(() => VideoPart.FromFrames([frame], 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => VideoPart.FromFrames([frame], double.NaN));
            Assert.Throws<ArgumentOutOfRangeException>(() => VideoPart.FromFrames([frame]).WithPixelBounds(5000, 4000));
        });

        VideoPart video = VideoPart.FromFrames([frame, frame, frame], 1.5).WithPixelBounds(3136, 8000);
        var request = new QwenChatRequest([QwenChatMessage.User("a", video, ImagePart.FromFile("b.png"))]);
        Assert.Multiple(() =>
        {
            Assert.That((video.Frames.Count, video.FramesPerSecond, video.MinPixels, video.MaxPixels), Is.EqualTo((3, 1.5, 3136L, 8000L)));
            Assert.That(request.Videos.Single(), Is.SameAs(video));
            Assert.That(request.Images.Count(), Is.EqualTo(1), "a video's frames are not images of the request");
        });
    }
}
