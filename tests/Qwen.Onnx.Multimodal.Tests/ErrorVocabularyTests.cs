using Qwen.Onnx.Testing;

namespace Qwen.Onnx.Multimodal.Tests;

/// <summary>Provider fallback reports every session, and a graph ONNX Runtime rejects is the model's fault, not the provider's.</summary>
public class ErrorVocabularyTests
{
    private static readonly string VisionModel = TinyModelFactory.GetOrCreateVisionLanguageModel(cacheFolder: Path.Combine(Path.GetTempPath(), "qwen-onnx-tests", "models"));

    [Test]
    public async Task A_permitted_fallback_is_reported_for_every_session_of_the_model()
    {
        var logs = new RecordingLoggerFactory();
        await using QwenModel model = await QwenModel.LoadAsync(VisionModel, new QwenModelOptions { Provider = ExecutionProvider.Cuda, AllowCpuFallback = true, LoggerFactory = logs });

        Assert.That(model.Provider, Is.EqualTo(ExecutionProvider.Cpu));
        Assert.That(model.SessionProviders, Is.EquivalentTo(new Dictionary<string, ExecutionProvider>
        {
            ["embed_tokens"] = ExecutionProvider.Cpu,
            ["decoder_model_merged"] = ExecutionProvider.Cpu,
            ["vision_encoder"] = ExecutionProvider.Cpu,
        }));
        Assert.That(logs.Warnings.Count(w => w.Contains("Cuda execution provider is not available", StringComparison.Ordinal)), Is.EqualTo(3));
    }

    [Test]
    public void A_corrupt_graph_is_an_invalid_model_naming_the_model_folder()
    {
        string folder = Directory.CreateTempSubdirectory("qwen-corrupt-decoder-").FullName;
        try
        {
            foreach (string file in Directory.GetFiles(VisionModel, "*", SearchOption.AllDirectories))
            {
                string target = Path.Combine(folder, Path.GetRelativePath(VisionModel, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }

            File.WriteAllBytes(Path.Combine(folder, "onnx", "decoder_model_merged.onnx"), [0x08, 0x07, 0xFF, 0xFF, 0x13, 0x37]);
            var e = Assert.ThrowsAsync<InvalidModelException>(() => QwenModel.LoadAsync(folder));
            Assert.That(e!.ModelPath, Is.EqualTo(folder), "the model folder, not its onnx/ subfolder");
            Assert.That(e.Message, Does.Contain("cannot load decoder_model_merged.onnx"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
