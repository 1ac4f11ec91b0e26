using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Qwen.Onnx.Vision.Loading;
using Qwen.Onnx.Vision.Preprocessing;

namespace Qwen.Onnx.Vision.Tests;

/// <summary>
/// Every kind of JPEG (sampling, progressive, restarts, arithmetic coding, grayscale, Adobe CMYK/YCCK, an ICC profile,
/// EXIF orientations 1–8) decodes to exactly Pillow's RGB and gives exactly the Hugging Face pixel_values.
/// </summary>
public class JpegParityTests
{
    public static IEnumerable<TestCaseData> Cases() =>
        TestData.Manifest["jpeg"]!.AsArray().Select(c => new TestCaseData(c!).SetArgDisplayNames((string)c!["image"]!));

    [Test]
    public void LibjpegTurboLoadsOnThisPlatform() => Assert.That(ImageDecoding.JpegIsBitExact, Is.True);

    [TestCaseSource(nameof(Cases))]
    public void DecodedRgbEqualsPillow(JsonNode testCase)
    {
        RgbImage decoded = TestData.Decode((string)testCase["image"]!);
        (byte[] expected, long[] shape) = Qwen.Onnx.Testing.NumPy.NpyFile.Read<byte>(TestData.Path((string)testCase["expected"]!));
        Assert.Multiple(() =>
        {
            Assert.That(new long[] { decoded.Height, decoded.Width, 3 }, Is.EqualTo(shape), "displayed size after the EXIF orientation");
            Assert.That(TestData.MaxAbsDifference(decoded.Span, expected), Is.Zero, $"{testCase["kind"]}: largest difference in 8-bit levels");
        });
    }

    [TestCaseSource(nameof(Cases))]
    public async Task PixelValuesEqualTheReferenceProcessor(JsonNode testCase)
    {
        using ProcessedImage processed = await new QwenImageProcessor().ProcessAsync(ImagePart.FromFile(TestData.Path((string)testCase["image"]!)));
        string digest = Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(processed.PixelValues.Span)));
        Assert.Multiple(() =>
        {
            Assert.That(new[] { processed.GridT, processed.GridH, processed.GridW }, Is.EqualTo(testCase["grid_thw"]!.AsArray().Select(v => (int)v!)));
            Assert.That(digest, Is.EqualTo((string)testCase["pixel_values_sha256"]!), "SHA-256 of the float32 pixel_values made by NumPy");
        });
    }
}
