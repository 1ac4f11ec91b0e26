using System.Text.Json.Nodes;
using Qwen.Onnx.Audio.Features;
using Qwen.Onnx.Testing.NumPy;

namespace Qwen.Onnx.Audio.Tests;

/// <summary>Log-mel features against the NumPy re-implementation of Hugging Face's extractor (scripts/audio-golden).</summary>
public class FeatureParityTests
{
    private static string Data(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", name);

    public static IEnumerable<TestCaseData> Cases() =>
        JsonNode.Parse(File.ReadAllText(Data("audio-golden.json")))!.AsArray()
            .Select(c => new TestCaseData((string)c!["input"]!, (string)c["expected"]!, (int?)c["mels"] ?? 128).SetArgDisplayNames((string)c["name"]!));

    [TestCaseSource(nameof(Cases))]
    public void FeaturesMatchTheReference(string input, string expected, int mels)
    {
        float[] samples = NpyFile.Read<float>(Data(input)).Data;
        (float[] reference, long[] shape) = NpyFile.Read<float>(Data(expected));
        var extractor = new LogMelExtractor(mels == 80 ? WhisperFeatureOptions.QwenAudio : WhisperFeatureOptions.Qwen2Audio);
        var features = new float[extractor.FeatureLength];
        extractor.Extract(samples.AsSpan(0, Math.Min(samples.Length, 480000)), features);
        float worst = features.Zip(reference, (a, b) => Math.Abs(a - b)).Max();
        TestContext.Out.WriteLine($"{input}: largest difference {worst:E2}");
        Assert.Multiple(() =>
        {
            Assert.That(shape, Is.EqualTo(new long[] { mels, 3000 }));
            Assert.That(worst, Is.LessThan(2e-4f));
        });
    }

    [Test]
    public void MelFiltersMatchTheFormula()
    {
        (double[] reference, _) = NpyFile.Read<double>(Data("mel-filters-128.npy"));
        double[,] filters = MelFilterBank.Dense(201, 128, 8000);
        double worst = 0;
        for (int m = 0; m < 128; m++)
        {
            for (int k = 0; k < 201; k++)
            {
                worst = Math.Max(worst, Math.Abs(filters[m, k] - reference[(m * 201) + k]));
            }
        }

        Assert.That(worst, Is.LessThan(1e-12));
    }
}
