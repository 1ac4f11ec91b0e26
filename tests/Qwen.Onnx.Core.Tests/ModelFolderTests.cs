using Qwen.Onnx.Models;

namespace Qwen.Onnx.Core.Tests;

public class ModelFolderTests
{
    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("qwen-onnx-folder-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void AMissingFolderIsAnInvalidModel()
    {
        var ex = Assert.Throws<InvalidModelException>(() => ModelFolder.Inspect(Path.Combine(_folder, "nope")));
        Assert.That(ex!.Message, Does.Contain("does not exist"));
    }

    [Test]
    public void AFolderWithoutConfigsSaysWhatIsMissing()
    {
        var ex = Assert.Throws<InvalidModelException>(() => ModelFolder.Inspect(_folder));
        Assert.That(ex!.Message, Does.Contain("genai_config.json is missing"));
    }

    [Test]
    public void MalformedJsonIsReported()
    {
        File.WriteAllText(Path.Combine(_folder, "genai_config.json"), "{ \"model\": ");
        var ex = Assert.Throws<InvalidModelException>(() => ModelFolder.Inspect(_folder));
        Assert.That(ex!.Message, Does.Contain("not valid JSON"));
    }

    [Test]
    public void GenAiFolderReportsItsType()
    {
        File.WriteAllText(Path.Combine(_folder, "genai_config.json"), "{\"model\":{\"type\":\"qwen3\"}}");
        ModelFolder folder = ModelFolder.Inspect(_folder);
        Assert.Multiple(() =>
        {
            Assert.That(folder.Layout, Is.EqualTo(ModelLayout.GenAi));
            Assert.That(folder.ModelType, Is.EqualTo("qwen3"));
            Assert.That(folder.HasVisionEncoder, Is.False);
        });
    }

    [Test]
    public void OnnxCommunityFolderReportsItsEncoders()
    {
        File.WriteAllText(Path.Combine(_folder, "config.json"), "{\"model_type\":\"qwen2_vl\"}");
        Directory.CreateDirectory(Path.Combine(_folder, "onnx"));
        File.WriteAllBytes(Path.Combine(_folder, "onnx", "vision_encoder_q4.onnx"), []);
        ModelFolder folder = ModelFolder.Inspect(_folder);
        Assert.Multiple(() =>
        {
            Assert.That(folder.Layout, Is.EqualTo(ModelLayout.OnnxCommunity));
            Assert.That(folder.ModelType, Is.EqualTo("qwen2_vl"));
            Assert.That(folder.HasVisionEncoder, Is.True);
            Assert.That(folder.HasAudioEncoder, Is.False);
        });
    }

    [Test]
    public void MissingTokenizerFilesAreNamed()
    {
        var ex = Assert.Throws<InvalidModelException>(() => Tokenization.QwenTokenizer.FromFolder(_folder));
        Assert.That(ex!.Message, Does.Contain("tokenizer.json is missing"));
    }
}
