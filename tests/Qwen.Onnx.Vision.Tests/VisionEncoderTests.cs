using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Qwen.Onnx.Models;
using Qwen.Onnx.Runtime;
using Qwen.Onnx.Testing;
using Qwen.Onnx.Vision.Encoding;
using Qwen.Onnx.Vision.Preprocessing;

namespace Qwen.Onnx.Vision.Tests;

public class VisionEncoderTests
{
    private static readonly string Model = TinyModelFactory.GetOrCreateVisionLanguageModel(cacheFolder: Path.Combine(Path.GetTempPath(), "qwen-onnx-tests", "models"));

    [Test]
    public void TheTinyModelIsAnOnnxCommunityVisionFolder()
    {
        ModelFolder folder = ModelFolder.Inspect(Model);
        Assert.Multiple(() =>
        {
            Assert.That(folder.Layout, Is.EqualTo(ModelLayout.OnnxCommunity));
            Assert.That(folder.ModelType, Is.EqualTo("qwen2_vl"));
            Assert.That(folder.HasVisionEncoder, Is.True);
            Assert.That(folder.HasAudioEncoder, Is.False);
        });
    }

    [Test]
    public void FeaturesHaveOneRowPerImageToken()
    {
        var processor = new QwenImageProcessor(QwenImageProcessorOptions.FromFile(Path.Combine(Model, "preprocessor_config.json")));
        using QwenVisionEncoder encoder = QwenVisionEncoder.Open(Model);
        ProcessedImage image = processor.Process(TestData.Decode("rgb-97x61.png"));
        float[] features = encoder.Encode(image);
        Assert.Multiple(() =>
        {
            Assert.That(encoder.HiddenSize, Is.EqualTo(64));
            Assert.That(encoder.Provider, Is.EqualTo(ExecutionProvider.Cpu));
            Assert.That(features, Has.Length.EqualTo(image.TokenCount * 64));
            Assert.That(features.All(float.IsFinite), Is.True);
        });
    }

    [Test]
    public void FeaturesEqualTheGraphRunThroughOnnxRuntimesManagedApi()
    {
        // The reference is the same graph run by Microsoft.ML.OnnxRuntime's InferenceSession, not the SDK's C-API path.
        var processor = new QwenImageProcessor(QwenImageProcessorOptions.FromFile(Path.Combine(Model, "preprocessor_config.json")));
        ProcessedImage image = processor.Process(TestData.Decode("rgba-150x90.png"));
        using QwenVisionEncoder encoder = QwenVisionEncoder.Open(Model);
        using var reference = new InferenceSession(Path.Combine(Model, "onnx", "vision_encoder.onnx"));
        string grid = reference.InputMetadata.ContainsKey("grid_thw") ? "grid_thw" : "image_grid_thw";
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> outputs = reference.Run(
        [
            NamedOnnxValue.CreateFromTensor("pixel_values", new DenseTensor<float>(image.PixelValues.ToArray(), [image.PatchCount, image.PatchLength])),
            NamedOnnxValue.CreateFromTensor(grid, new DenseTensor<long>(new long[] { image.GridT, image.GridH, image.GridW }, [1, 3])),
        ]);
        float[] expected = [.. outputs[0].AsTensor<float>()];
        Assert.That(encoder.Encode(image), Is.EqualTo(expected).Within(1e-5f));
    }

    [TestCase("")]
    [TestCase("_fp16")]
    public void A_cancelled_token_terminates_the_encoder_run(string variant)
    {
        var processor = new QwenImageProcessor(QwenImageProcessorOptions.FromFile(Path.Combine(Model, "preprocessor_config.json")));
        using QwenVisionEncoder encoder = QwenVisionEncoder.Open(Model, new QwenModelOptions { GraphVariant = variant == "" ? OnnxGraphVariant.Fp32 : OnnxGraphVariant.Fp16 });
        ProcessedImage image = processor.Process(TestData.Decode("rgb-97x61.png"));
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() => encoder.Encode(image, cancelled.Token));
        Assert.Throws<OperationCanceledException>(() => encoder.Encode([image], cancelled.Token));
        Assert.That(encoder.Encode(image), Has.Length.EqualTo(image.TokenCount * 64), "the session stays usable");
    }

    [Test]
    public void SeveralImagesAreEncodedOneByOneAndConcatenated()
    {
        var processor = new QwenImageProcessor();
        using QwenVisionEncoder encoder = QwenVisionEncoder.Open(Model);
        ProcessedImage a = processor.Process(TestData.Decode("rgb-97x61.png"));
        ProcessedImage b = processor.Process(TestData.Decode("rgba-150x90.png"));
        float[] both = encoder.Encode([a, b]);
        Assert.Multiple(() =>
        {
            Assert.That(both, Has.Length.EqualTo((a.TokenCount + b.TokenCount) * 64));
            Assert.That(both.AsSpan(0, a.TokenCount * 64).SequenceEqual(encoder.Encode(a)), Is.True);
            Assert.That(both.AsSpan(a.TokenCount * 64).SequenceEqual(encoder.Encode(b)), Is.True);
            Assert.That(encoder.Encode(a).AsSpan(0, 64).SequenceEqual(encoder.Encode(b).AsSpan(0, 64)), Is.False, "different images, different features");
        });
    }

    [Test]
    public void TheFloat16VariantTakesAndReturnsHalfPrecision()
    {
        var processor = new QwenImageProcessor();
        using ProcessedImage image = processor.Process(TestData.Decode("rgb-97x61.png"));
        using QwenVisionEncoder full = QwenVisionEncoder.Open(Model);
        using QwenVisionEncoder half = QwenVisionEncoder.Open(Model, new QwenModelOptions { GraphVariant = OnnxGraphVariant.Fp16 });
        float[] expected = full.Encode(image), actual = half.Encode(image);
        Assert.That(actual, Is.EqualTo(expected).Within(2e-2f), "float16 rounding of inputs and outputs only");
    }

    [Test]
    public void AMissingVariantNamesThePresentOnes()
    {
        var ex = Assert.Throws<InvalidModelException>(() => QwenVisionEncoder.Open(Model, new QwenModelOptions { GraphVariant = OnnxGraphVariant.Q4 }));
        Assert.That(ex!.Message, Does.Contain("vision_encoder_q4.onnx").And.Contain("vision_encoder.onnx").And.Contain("vision_encoder_fp16.onnx"));
    }

    [Test]
    public void A_graph_that_is_not_a_vision_encoder_is_an_invalid_model_naming_the_folder()
    {
        string folder = Directory.CreateTempSubdirectory("qwen-wrong-graph-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "onnx"));
            File.Copy(Path.Combine(Model, "onnx", "embed_tokens.onnx"), Path.Combine(folder, "onnx", "vision_encoder.onnx"));

            var ex = Assert.Throws<InvalidModelException>(() => QwenVisionEncoder.Open(folder));
            Assert.That(ex!.ModelPath, Is.EqualTo(folder), "the model's path, not a type name");
            Assert.That(ex.Message, Does.Contain("no pixel_values input (it has input_ids)"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void AutoPrefersTheMostExactVariant()
    {
        string folder = Directory.CreateTempSubdirectory("qwen-variants-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "onnx"));
            foreach (string name in new[] { "vision_encoder_q4f16.onnx", "vision_encoder_q4.onnx", "vision_encoder_fp16.onnx" })
            {
                File.WriteAllBytes(Path.Combine(folder, "onnx", name), []);
            }

            Assert.Multiple(() =>
            {
                Assert.That(Path.GetFileName(OnnxCommunityGraphs.Find(folder, "vision_encoder")), Is.EqualTo("vision_encoder_q4.onnx"));
                Assert.That(Path.GetFileName(OnnxCommunityGraphs.Find(folder, "vision_encoder", OnnxGraphVariant.Fp16)), Is.EqualTo("vision_encoder_fp16.onnx"));
                Assert.That(OnnxCommunityGraphs.Find(folder, "audio_encoder"), Is.Null);
            });
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void ATextOnlyFolderHasNoVisionEncoder()
    {
        string folder = Directory.CreateTempSubdirectory("qwen-no-vision-").FullName;
        try
        {
            var ex = Assert.Throws<InvalidModelException>(() => QwenVisionEncoder.Open(folder));
            Assert.That(ex!.Message, Does.Contain("vision_encoder"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void AMissingGpuProviderIsATypedError()
    {
        var ex = Assert.Throws<ExecutionProviderUnavailableException>(() => QwenVisionEncoder.Open(Model, new QwenModelOptions { Provider = ExecutionProvider.Cuda }));
        Assert.That(ex!.Message, Does.Contain("Microsoft.ML.OnnxRuntime.Gpu"));
        var warnings = new RecordingLoggerFactory();
        using QwenVisionEncoder fallback = QwenVisionEncoder.Open(Model, new QwenModelOptions { Provider = ExecutionProvider.Cuda, AllowCpuFallback = true, LoggerFactory = warnings });
        Assert.Multiple(() =>
        {
            Assert.That(fallback.Provider, Is.EqualTo(ExecutionProvider.Cpu));
            Assert.That(warnings.Warnings, Has.Some.Contains("Cuda execution provider is not available for vision_encoder.onnx"));
        });
    }
}
