using System.Text.Json;
using System.Text.Json.Nodes;
using Qwen.Onnx.Testing.NumPy;
using Qwen.Onnx.Vision.Loading;
using Qwen.Onnx.Vision.Preprocessing;

namespace Qwen.Onnx.Vision.Tests;

/// <summary>Reference data written by scripts/vision-golden/make_golden.py (Pillow 9.4 + NumPy).</summary>
internal static class TestData
{
    public static string Path(string name) => System.IO.Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", name);

    public static JsonNode Manifest => JsonNode.Parse(File.ReadAllText(Path("vision-golden.json")))!;

    public static RgbImage Decode(string name) => ImageDecoding.DecodeAsync(ImagePart.FromFile(Path(name))).GetAwaiter().GetResult();

    public static byte[] ExpectedRgb(string npy) => NpyFile.Read<byte>(Path(npy)).Data;

    public static int MaxAbsDifference(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        Assert.That(a.Length, Is.EqualTo(b.Length));
        int max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        }

        return max;
    }
}
