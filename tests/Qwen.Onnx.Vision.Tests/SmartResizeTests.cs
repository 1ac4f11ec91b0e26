using Qwen.Onnx.Vision.Preprocessing;

namespace Qwen.Onnx.Vision.Tests;

/// <summary>The spec's smart_resize table (Python canonical values).</summary>
public class SmartResizeTests
{
    private const long HubMax = 12845056, ClassMax = 1003520, Qwen3Min = 65536, Qwen3Max = 16777216;

    [TestCase(224, 224, 28, 3136, HubMax, 224, 224)]
    [TestCase(480, 640, 28, 3136, HubMax, 476, 644)]
    [TestCase(238, 238, 28, 3136, HubMax, 224, 224)]
    [TestCase(266, 266, 28, 3136, HubMax, 280, 280)]
    [TestCase(20, 20, 28, 3136, HubMax, 56, 56)]
    [TestCase(3000, 4000, 28, 3136, HubMax, 2996, 4004)]
    [TestCase(3000, 4000, 28, 3136, ClassMax, 840, 1148)]
    [TestCase(1365, 2048, 28, 3136, HubMax, 1372, 2044)]
    [TestCase(1365, 2048, 28, 3136, ClassMax, 812, 1204)]
    [TestCase(1080, 1920, 28, 3136, HubMax, 1092, 1932)]
    [TestCase(1080, 1920, 28, 3136, ClassMax, 728, 1316)]
    [TestCase(1, 200, 28, 3136, HubMax, 28, 812)]
    [TestCase(224, 224, 32, Qwen3Min, Qwen3Max, 256, 256)]
    [TestCase(480, 640, 32, Qwen3Min, Qwen3Max, 480, 640)]
    [TestCase(238, 238, 32, Qwen3Min, Qwen3Max, 256, 256)]
    [TestCase(20, 20, 32, Qwen3Min, Qwen3Max, 256, 256)]
    [TestCase(3000, 4000, 32, Qwen3Min, Qwen3Max, 3008, 4000)]
    [TestCase(1365, 2048, 32, Qwen3Min, Qwen3Max, 1376, 2048)]
    [TestCase(1080, 1920, 32, Qwen3Min, Qwen3Max, 1088, 1920)]
    [TestCase(1, 200, 32, Qwen3Min, Qwen3Max, 32, 3648)]
    public void MatchesThePythonReference(int h, int w, int factor, long min, long max, int expectedH, int expectedW) =>
        Assert.That(SmartResize.Compute(h, w, factor, min, max), Is.EqualTo((expectedH, expectedW)));

    [Test]
    public void AnAspectRatioAbove200IsRejected()
    {
        var ex = Assert.Throws<InvalidImageException>(() => SmartResize.Compute(1, 201, 28, 3136, HubMax));
        Assert.That(ex!.Message, Does.Contain("aspect ratio").And.Contain("200"));
    }

    [Test]
    public void TokenCountsOfTheTable()
    {
        var processor = new QwenImageProcessor();
        ProcessedImage image = processor.ToPixelValues(new RgbImage(new byte[476 * 644 * 3], 644, 476));
        Assert.Multiple(() =>
        {
            Assert.That((image.GridT, image.GridH, image.GridW), Is.EqualTo((1, 34, 46)));
            Assert.That(image.PatchCount, Is.EqualTo(1564));
            Assert.That(image.TokenCount, Is.EqualTo(391));
        });
    }
}
