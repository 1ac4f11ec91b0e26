using System.Text.Json.Nodes;
using Qwen.Onnx.Testing.NumPy;
using Qwen.Onnx.Vision.Preprocessing;

namespace Qwen.Onnx.Vision.Tests;

/// <summary>Resizing and pixel_values against Pillow and NumPy (scripts/vision-golden).</summary>
public class PreprocessingParityTests
{
    public static IEnumerable<TestCaseData> ResizeCases() =>
        TestData.Manifest["resize"]!.AsArray().Select(c => new TestCaseData((string)c!["source"]!, (int)c["width"]!, (int)c["height"]!, (string)c["expected"]!).SetArgDisplayNames((string)c["expected"]!));

    public static IEnumerable<TestCaseData> PipelineCases() =>
        TestData.Manifest["pipeline"]!.AsArray().Select(c => new TestCaseData(c!).SetArgDisplayNames((string)c!["image"]!));

    [TestCaseSource(nameof(ResizeCases))]
    public void BicubicResizeIsBitIdenticalToPillow(string source, int width, int height, string expected)
    {
        RgbImage resized = PilBicubicResampler.Resize(TestData.Decode(source), width, height);
        RgbImage pillow = TestData.Decode(expected);
        Assert.Multiple(() =>
        {
            Assert.That((resized.Width, resized.Height), Is.EqualTo((width, height)));
            Assert.That(TestData.MaxAbsDifference(resized.Pixels, pillow.Pixels), Is.Zero, "largest difference in 8-bit levels");
        });
    }

    [TestCaseSource(nameof(PipelineCases))]
    public void PixelValuesEqualTheReferenceProcessor(JsonNode testCase)
    {
        var processor = new QwenImageProcessor();
        ProcessedImage image = processor.Process(TestData.Decode((string)testCase["image"]!), (long)testCase["min_pixels"]!, (long)testCase["max_pixels"]!);
        (float[] expected, long[] shape) = NpyFile.Read<float>(TestData.Path((string)testCase["expected"]!));
        int[] grid = [.. testCase["grid_thw"]!.AsArray().Select(v => (int)v!)];
        Assert.Multiple(() =>
        {
            Assert.That(new[] { image.GridT, image.GridH, image.GridW }, Is.EqualTo(grid));
            Assert.That(new long[] { image.PatchCount, image.PatchLength }, Is.EqualTo(shape));
            Assert.That(image.PixelValues.ToArray(), Is.EqualTo(expected), "every float equals NumPy's");
        });
    }

    [Test]
    public async Task VideoPixelValuesEqualTheReferenceVideoProcessor()
    {
        JsonNode video = TestData.Manifest["video"]!;
        VideoPart part = VideoPart.FromFrameFiles(video["frames"]!.AsArray().Select(f => TestData.Path((string)f!)))
            .WithPixelBounds((long)video["min_pixels"]!, (long)video["max_pixels"]!);
        using ProcessedImage processed = await new QwenImageProcessor().ProcessVideoAsync(part);
        (float[] expected, long[] shape) = NpyFile.Read<float>(TestData.Path((string)video["expected"]!));
        Assert.Multiple(() =>
        {
            Assert.That(new[] { processed.GridT, processed.GridH, processed.GridW }, Is.EqualTo(video["grid_thw"]!.AsArray().Select(v => (int)v!)));
            Assert.That(processed.TokenCount, Is.EqualTo(processed.GridT * processed.GridH * processed.GridW / 4));
            Assert.That(new long[] { processed.PatchCount, processed.PatchLength }, Is.EqualTo(shape));
            Assert.That(processed.PixelValues.ToArray(), Is.EqualTo(expected), "every float equals NumPy's, the repeated last frame included");
        });
    }

    [Test]
    public async Task AVideoOfOneFrameEqualsTheStillImageWithinTheVideoBounds()
    {
        var processor = new QwenImageProcessor();
        string frame = TestData.Path("rgb-97x61.png");
        using ProcessedImage video = await processor.ProcessVideoAsync(VideoPart.FromFrameFiles([frame]));
        using ProcessedImage still = processor.Process(TestData.Decode("rgb-97x61.png"), processor.Options.VideoMinPixels, processor.Options.VideoMaxPixels);
        Assert.That(video.GridT, Is.EqualTo(1));
        Assert.That(video.PixelValues.ToArray(), Is.EqualTo(still.PixelValues.ToArray()));
    }

    [TestCase(10, 560, 1008)]
    [TestCase(100, 448, 812)]
    [TestCase(768, 224, 420)]
    public void LongVideosGetSmallerFramesWithinTheTotalBudget(int frames, int height, int width)
    {
        // Expected sizes from qwen-vl-utils' rule and smart_resize in Python for a 1280×720 first frame.
        Assert.That(new QwenImageProcessor().ResizedVideoSize(720, 1280, frames), Is.EqualTo((height, width)));
    }

    [Test]
    public void FramesOfDifferentSizesAreRejected()
    {
        VideoPart part = VideoPart.FromFrameFiles([TestData.Path("rgb-97x61.png"), TestData.Path("rgba-150x90.png")]);
        var e = Assert.ThrowsAsync<InvalidImageException>(() => new QwenImageProcessor().ProcessVideoAsync(part));
        Assert.That(e!.Message, Does.Contain("Frame 2").And.Contain("150×90").And.Contain("97×61"));
    }

    [Test]
    public void AnAllWhite224ImageGivesTheReferenceMean()
    {
        byte[] white = new byte[224 * 224 * 3];
        Array.Fill(white, (byte)255);
        ProcessedImage image = new QwenImageProcessor().Process(new RgbImage(white, 224, 224));
        Assert.Multiple(() =>
        {
            Assert.That((image.PatchCount, image.PatchLength), Is.EqualTo((256, 1176)));
            Assert.That(image.PixelValues.ToArray().Average(v => (double)v), Is.EqualTo(2.050372362136841).Within(1e-6));
        });
    }

    [Test]
    public void PatchOrderFollowsTheReferenceIndexFormula()
    {
        // Every pixel encodes its own coordinates, so a misplaced value is caught wherever it lands.
        const int size = 112;
        byte[] pixels = new byte[size * size * 3];
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                pixels[((y * size) + x) * 3] = (byte)(x * 2);
                pixels[((y * size) + x) * 3 + 1] = (byte)(y * 2);
                pixels[((y * size) + x) * 3 + 2] = (byte)((x + (y * 7)) % 256);
            }
        }

        var options = QwenImageProcessorOptions.Qwen2Vl;
        ProcessedImage image = new QwenImageProcessor(options).ToPixelValues(new RgbImage(pixels, size, size));
        const int p = 14, m = 2, frames = 2;
        int gridH = size / p, gridW = size / p;
        for (int bh = 0; bh < gridH / m; bh++)
        {
            for (int bw = 0; bw < gridW / m; bw++)
            {
                for (int mh = 0; mh < m; mh++)
                {
                    for (int mw = 0; mw < m; mw++)
                    {
                        int row = (((bh * (gridW / m)) + bw) * m * m) + (mh * m) + mw;
                        for (int c = 0; c < 3; c++)
                        {
                            for (int t = 0; t < frames; t++)
                            {
                                for (int py = 0; py < p; py++)
                                {
                                    for (int px = 0; px < p; px++)
                                    {
                                        int col = (((((c * frames) + t) * p) + py) * p) + px;
                                        int y = (((bh * m) + mh) * p) + py, x = (((bw * m) + mw) * p) + px;
                                        byte raw = pixels[(((y * size) + x) * 3) + c];
                                        float expected = ((float)(raw * options.RescaleFactor) - options.ImageMean[c]) / options.ImageStd[c];
                                        if (image.PixelValues.Span[(row * image.PatchLength) + col] != expected)
                                        {
                                            Assert.Fail($"row {row} col {col} should hold pixel ({x},{y}) channel {c}");
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        Assert.That(image.PatchCount, Is.EqualTo(64));
    }

    /// <summary>
    /// Large outputs take the vectorised, cache-bypassing path; every value must still equal the per-channel
    /// reference arithmetic at the place the index formula gives.
    /// </summary>
    [TestCase(1036, 728)]
    [TestCase(56, 28)]
    public void EveryPathWritesTheReferenceValues(int width, int height)
    {
        var random = new Random(7);
        byte[] pixels = new byte[width * height * 3];
        random.NextBytes(pixels);
        var options = QwenImageProcessorOptions.Qwen2Vl;
        using ProcessedImage image = new QwenImageProcessor(options).ToPixelValues(new RgbImage(pixels, width, height));
        ReadOnlySpan<float> values = image.PixelValues.Span;
        const int p = 14, m = 2;
        int blocksW = width / p / m;
        for (int row = 0; row < image.PatchCount; row++)
        {
            int block = row / (m * m), inBlock = row % (m * m);
            int py0 = ((((block / blocksW) * m) + (inBlock / m)) * p), px0 = ((((block % blocksW) * m) + (inBlock % m)) * p);
            for (int col = 0; col < image.PatchLength; col++)
            {
                int c = col / (2 * p * p), y = py0 + (col % (p * p) / p), x = px0 + (col % p);
                byte raw = pixels[(((y * width) + x) * 3) + c];
                float expected = ((float)(raw * options.RescaleFactor) - options.ImageMean[c]) / options.ImageStd[c];
                if (values[(row * image.PatchLength) + col] != expected)
                {
                    Assert.Fail($"row {row} col {col}: {values[(row * image.PatchLength) + col]} instead of {expected}");
                }
            }
        }

        Assert.That(image.PatchCount * image.PatchLength * sizeof(float), width > 500 ? Is.GreaterThan(8 << 20) : Is.LessThan(8 << 20));
    }

    [Test]
    public void SeveralImagesConcatenateInPromptOrder()
    {
        var processor = new QwenImageProcessor();
        ProcessedImage a = processor.Process(TestData.Decode("rgb-97x61.png"));
        ProcessedImage b = processor.Process(TestData.Decode("rgba-150x90.png"));
        (float[] values, long[] grid) = ProcessedImage.Concatenate([a, b]);
        Assert.Multiple(() =>
        {
            Assert.That(values, Has.Length.EqualTo(a.PixelValues.Length + b.PixelValues.Length));
            Assert.That(values.AsSpan(0, a.PixelValues.Length).SequenceEqual(a.PixelValues.Span), Is.True);
            Assert.That(values.AsSpan(a.PixelValues.Length).SequenceEqual(b.PixelValues.Span), Is.True);
            Assert.That(grid, Is.EqualTo(new long[] { a.GridT, a.GridH, a.GridW, b.GridT, b.GridH, b.GridW }));
        });
    }

    [Test]
    public void APerImagePixelCapLowersTheTokenCount()
    {
        var processor = new QwenImageProcessor();
        RgbImage image = TestData.Decode("rgb-301x205-capped.png");
        ProcessedImage full = processor.Process(image);
        ProcessedImage capped = processor.Process(image, maxPixels: 20000);
        Assert.Multiple(() =>
        {
            Assert.That(full.TokenCount, Is.EqualTo(77));
            Assert.That(capped.ResizedHeight * capped.ResizedWidth, Is.LessThanOrEqualTo(20000));
            Assert.That(capped.TokenCount, Is.LessThan(full.TokenCount));
        });
    }
}
