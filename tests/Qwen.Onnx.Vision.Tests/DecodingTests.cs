using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text.Json.Nodes;
using Qwen.Onnx.Vision.Loading;
using Qwen.Onnx.Vision.Preprocessing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace Qwen.Onnx.Vision.Tests;

/// <summary>Formats, colour modes and untrusted input: each gives the right pixels or a typed error, never a crash or hang.</summary>
public class DecodingTests
{
    public static IEnumerable<TestCaseData> Fixtures() =>
        TestData.Manifest["decode"]!.AsArray().Select(c => new TestCaseData(c!).SetArgDisplayNames((string)c!["image"]!));

    /// <summary>
    /// Every format decodes to exactly Pillow's convert("RGB"), JPEG through libjpeg-turbo included. Pillow saturates
    /// 16-bit grayscale in convert("RGB"), so there ImageSharp's scaled 8-bit value is the sane one.
    /// </summary>
    [TestCaseSource(nameof(Fixtures))]
    public void DecodesLikePillow(JsonNode fixture)
    {
        string name = (string)fixture["image"]!;
        RgbImage decoded = TestData.Decode(name);
        bool gray16 = name.StartsWith("gray16", StringComparison.Ordinal);
        byte[] expected = TestData.ExpectedRgb(gray16 ? "gray-40x24.png.rgb.npy" : (string)fixture["expected"]!);
        Assert.That(TestData.MaxAbsDifference(decoded.Span, expected), Is.LessThanOrEqualTo(gray16 ? 1 : 0), "largest difference in 8-bit levels");
    }

    /// <summary>
    /// Where SkiaSharp's native library is missing, ImageSharp decodes JPEG: its IDCT rounding differs by a few
    /// levels, and on 4:2:0 files its chroma upsampling (against libjpeg's triangle filter) moves colour edges by
    /// tens of levels while the average stays within about a level. These are the deviations the README states.
    /// </summary>
    [TestCase("rgb-40x24.jpg", 3, 0.5)]
    [TestCase("cmyk-40x24.jpg", 3, 0.5)]
    [TestCase("exif-rotated-40x24.jpg", 3, 0.5)]
    [TestCase("smooth-420-160x120.jpg", 25, 2.0)]
    public async Task TheManagedJpegFallbackIsCloseToPillow(string name, int maxTolerance, double meanTolerance)
    {
        RgbImage decoded = await ManagedImageDecoder.DecodeAsync(File.ReadAllBytes(TestData.Path(name)), new ImageLoadOptions(), CancellationToken.None);
        byte[] expected = TestData.ExpectedRgb(name + ".rgb.npy");
        int largest = TestData.MaxAbsDifference(decoded.Span, expected);
        double mean = decoded.Span.ToArray().Zip(expected, (a, b) => Math.Abs(a - b)).Average();
        TestContext.Out.WriteLine($"{name}: ImageSharp differs from Pillow by at most {largest}, mean {mean:F3} levels");
        Assert.Multiple(() =>
        {
            Assert.That(largest, Is.InRange(1, maxTolerance), "ImageSharp is not libjpeg-turbo: some difference is expected");
            Assert.That(mean, Is.LessThanOrEqualTo(meanTolerance));
        });
    }

    [Test]
    public void ExifOrientationIsApplied()
    {
        RgbImage rotated = TestData.Decode("exif-rotated-40x24.jpg");
        Assert.That((rotated.Width, rotated.Height), Is.EqualTo((24, 40)));
    }

    [Test]
    public void AnAnimatedGifGivesItsFirstFrame()
    {
        using var gif = new Image<Rgb24>(8, 6, new Rgb24(200, 10, 10));
        using var second = new Image<Rgb24>(8, 6, new Rgb24(10, 200, 10));
        gif.Frames.AddFrame(second.Frames.RootFrame);
        using var stream = new MemoryStream();
        gif.SaveAsGif(stream);
        RgbImage decoded = Decode(ImagePart.FromBytes(stream.ToArray()));
        Assert.That(decoded.Pixels.Take(3), Is.EqualTo(new byte[] { 200, 10, 10 }).Within(8));
    }

    [Test]
    public void SixteenBitRgbPngIsScaledToEightBits()
    {
        using var image = new Image<Rgb48>(4, 2, new Rgb48(65535, 32896, 0));
        using var stream = new MemoryStream();
        image.SaveAsPng(stream, new PngEncoder { BitDepth = PngBitDepth.Bit16, ColorType = PngColorType.Rgb });
        Assert.That(Decode(ImagePart.FromBytes(stream.ToArray())).Pixels.Take(3), Is.EqualTo(new byte[] { 255, 128, 0 }));
    }

    [Test]
    public void StreamsAndBytesDecodeLikeFiles()
    {
        byte[] file = File.ReadAllBytes(TestData.Path("rgb-97x61.png"));
        RgbImage fromFile = TestData.Decode("rgb-97x61.png");
        using var stream = new NonSeekableStream(file);
        Assert.Multiple(() =>
        {
            Assert.That(Decode(ImagePart.FromBytes(file)).Pixels, Is.EqualTo(fromFile.Pixels));
            Assert.That(Decode(ImagePart.FromStream(stream)).Pixels, Is.EqualTo(fromFile.Pixels));
        });
    }

    [TestCase(PixelFormat.Rgb24, 0)]
    [TestCase(PixelFormat.Rgba32, 0)]
    [TestCase(PixelFormat.Bgra32, 0)]
    [TestCase(PixelFormat.Bgra32, 64)]
    public void RawPixelsArePackedToRgb(PixelFormat format, int extraStride)
    {
        RgbImage reference = TestData.Decode("rgb-97x61.png");
        int bpp = format == PixelFormat.Rgb24 ? 3 : 4, stride = (reference.Width * bpp) + extraStride;
        byte[] raw = new byte[stride * reference.Height];
        for (int y = 0; y < reference.Height; y++)
        {
            for (int x = 0; x < reference.Width; x++)
            {
                ReadOnlySpan<byte> rgb = reference.Pixels.AsSpan(((y * reference.Width) + x) * 3, 3);
                Span<byte> dst = raw.AsSpan((y * stride) + (x * bpp), bpp);
                (dst[0], dst[1], dst[2]) = format == PixelFormat.Bgra32 ? (rgb[2], rgb[1], rgb[0]) : (rgb[0], rgb[1], rgb[2]);
                if (bpp == 4)
                {
                    dst[3] = 17;
                }
            }
        }

        RgbImage packed = Decode(ImagePart.FromPixels(raw, reference.Width, reference.Height, format, stride));
        Assert.That(packed.Pixels, Is.EqualTo(reference.Pixels));
    }

    [Test]
    public void AZeroByteFile() => AssertRejected(ImagePart.FromBytes(Array.Empty<byte>()), "empty");

    [Test]
    public void AMissingFile() => AssertRejected(ImagePart.FromFile("/no/such/image.png"), "does not exist");

    [Test]
    public void ANonImageFile() => AssertRejected(ImagePart.FromBytes("definitely not an image, just text\n"u8.ToArray()), "not an image");

    [TestCase("rgb-97x61.png", 0.5)]
    [TestCase("rgb-40x24.jpg", 0.4)]
    [TestCase("rgb-40x24.jpg", 0.05)]
    public void ATruncatedImage(string name, double keep)
    {
        byte[] bytes = File.ReadAllBytes(TestData.Path(name));
        var ex = Assert.ThrowsAsync<InvalidImageException>(() => ImageDecoding.DecodeAsync(ImagePart.FromBytes(bytes.AsMemory(0, (int)(bytes.Length * keep)))));
        Assert.That(ex!.Message, Does.Contain("truncated").Or.Contain("corrupt"));
    }

    [Test]
    public void AHugeHeaderIsRejectedBeforeDecoding()
    {
        long before = GC.GetTotalAllocatedBytes(precise: true);
        AssertRejected(ImagePart.FromBytes(PngHeaderClaiming(100_000, 100_000)), "100000×100000");
        Assert.That(GC.GetTotalAllocatedBytes(precise: true) - before, Is.LessThan(16 << 20), "no pixel buffer may be allocated");
    }

    [Test]
    public void AHugeJpegHeaderIsRejectedBeforeDecoding()
    {
        byte[] jpeg = File.ReadAllBytes(TestData.Path("jpeg-baseline-420-97x71.jpg"));
        int frame = jpeg.AsSpan().IndexOf([(byte)0xFF, (byte)0xC0]);
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(frame + 5), 60000);
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(frame + 7), 60000);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        AssertRejected(ImagePart.FromBytes(jpeg), "60000×60000");
        Assert.That(GC.GetTotalAllocatedBytes(precise: true) - before, Is.LessThan(16 << 20), "no pixel buffer may be allocated");
    }

    [Test]
    public void ThePixelLimitIsConfigurable()
    {
        var strict = new ImageLoadOptions { MaxInputPixels = 1000 };
        var ex = Assert.ThrowsAsync<InvalidImageException>(() => ImageDecoding.DecodeAsync(ImagePart.FromFile(TestData.Path("rgb-97x61.png")), strict));
        Assert.That(ex!.Message, Does.Contain("MaxInputPixels"));
    }

    [Test]
    public async Task AnExtremeAspectRatioIsATypedError()
    {
        using var strip = new Image<Rgb24>(402, 2);
        using var stream = new MemoryStream();
        await strip.SaveAsPngAsync(stream);
        var ex = Assert.ThrowsAsync<InvalidImageException>(() => new QwenImageProcessor().ProcessAsync(ImagePart.FromBytes(stream.ToArray())));
        Assert.That(ex!.Message, Does.Contain("aspect ratio"));
    }

    private static RgbImage Decode(ImagePart part) => ImageDecoding.DecodeAsync(part).GetAwaiter().GetResult();

    private static void AssertRejected(ImagePart part, string message)
    {
        var ex = Assert.ThrowsAsync<InvalidImageException>(() => ImageDecoding.DecodeAsync(part));
        Assert.That(ex!.Message, Does.Contain(message));
    }

    /// <summary>A valid PNG signature and IHDR chunk (with CRC) that claims a giant size, and nothing else.</summary>
    private static byte[] PngHeaderClaiming(int width, int height)
    {
        byte[] png = new byte[8 + 25];
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(png, 0);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(8), 13);
        "IHDR"u8.CopyTo(png.AsSpan(12));
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), width);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), height);
        png[24] = 8;
        png[25] = 2;
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), Crc32.HashToUInt32(png.AsSpan(12, 17)));
        return png;
    }

    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
