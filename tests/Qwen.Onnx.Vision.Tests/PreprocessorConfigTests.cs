using Qwen.Onnx.Vision.Preprocessing;

namespace Qwen.Onnx.Vision.Tests;

public class PreprocessorConfigTests
{
    [Test]
    public void TopLevelPixelBoundsWinOverSize()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "{\"min_pixels\": 1000, \"max_pixels\": 50000, \"size\": {\"shortest_edge\": 3136, \"longest_edge\": 12845056}, \"patch_size\": 16, \"image_mean\": [0.5,0.5,0.5], \"image_std\": [0.5,0.5,0.5]}");
            QwenImageProcessorOptions options = QwenImageProcessorOptions.FromFile(path);
            Assert.Multiple(() =>
            {
                Assert.That((options.MinPixels, options.MaxPixels), Is.EqualTo((1000L, 50000L)));
                Assert.That(options.PatchSize, Is.EqualTo(16));
                Assert.That(options.PatchLength, Is.EqualTo(1536));
                Assert.That(options.ImageMean, Is.EqualTo(new[] { 0.5f, 0.5f, 0.5f }));
            });
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void SizeIsUsedWhenTopLevelBoundsAreAbsent()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "{\"size\": {\"shortest_edge\": 65536, \"longest_edge\": 16777216}}");
            QwenImageProcessorOptions options = QwenImageProcessorOptions.FromFile(path, QwenImageProcessorOptions.Qwen3Vl);
            Assert.That((options.MinPixels, options.MaxPixels, options.PatchSize), Is.EqualTo((65536L, 16777216L, 16)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Qwen3VlImagesUsePatch16AndHalfMeanStd()
    {
        byte[] white = new byte[256 * 256 * 3];
        Array.Fill(white, (byte)255);
        ProcessedImage image = new QwenImageProcessor(QwenImageProcessorOptions.Qwen3Vl).Process(new RgbImage(white, 256, 256));
        Assert.Multiple(() =>
        {
            Assert.That((image.GridH, image.GridW, image.PatchLength), Is.EqualTo((16, 16, 1536)));
            Assert.That(image.PixelValues.ToArray().Distinct(), Is.EqualTo(new[] { 1f }));
        });
    }
}
