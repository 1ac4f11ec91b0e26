using System.Text.Json;
using Qwen.Onnx.Testing;
using Qwen.Onnx.Testing.NumPy;

namespace Qwen.Onnx.Cli.Tests;

/// <summary>The command-line contract other tools rely on: JSON shapes, .npy outputs, exit codes and error lines.</summary>
[NonParallelizable]
public class CliContractTests
{
    private static readonly string Cache = Path.Combine(Path.GetTempPath(), "qwen-onnx-tests", "models");
    private string _out = null!;

    [SetUp]
    public void CreateOutput() => _out = Directory.CreateTempSubdirectory("qwen-cli-").FullName;

    [TearDown]
    public void DeleteOutput() => Directory.Delete(_out, recursive: true);

    [Test]
    public void TokenizeJsonPrintsTheIds()
    {
        (int code, string output, _) = CliRunner.Run("tokenize", "--model", TinyModelFactory.GetOrCreateTextModel(cacheFolder: Cache), "--text", "Hello, 世界!", "--json");
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.Zero);
            Assert.That(output.Trim(), Is.EqualTo("[9707,11,220,99489,0]"));
        });
    }

    [Test]
    public void RunJsonHasTheDocumentedFields()
    {
        (int code, string output, _) = CliRunner.Run("run", "--model", TinyModelFactory.GetOrCreateTextModel(cacheFolder: Cache), "--prompt", "Hi", "--max-new-tokens", "5", "--json");
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement root = json.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.Zero);
            Assert.That(root.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "text", "token_ids", "prompt_tokens", "completion_tokens", "finish_reason", "device", "timings" }));
            Assert.That(root.GetProperty("token_ids").GetArrayLength(), Is.EqualTo(5));
            Assert.That(root.GetProperty("completion_tokens").GetInt32(), Is.EqualTo(5));
            Assert.That(root.GetProperty("finish_reason").GetString(), Is.EqualTo("length"));
            Assert.That(root.GetProperty("device").GetString(), Is.EqualTo("cpu"));
            Assert.That(root.GetProperty("timings").EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "load_ms", "ttft_ms", "tokens_per_second" }));
        });
    }

    [Test]
    public void RunWithAnImageOnAVisionModel()
    {
        string model = TinyModelFactory.GetOrCreateVisionLanguageModel(cacheFolder: Cache);
        string image = Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", "rgb-97x61.png");
        (int withImage, string imageJson, _) = CliRunner.Run("run", "--model", model, "--prompt", "Describe.", "--image", image, "--max-new-tokens", "3", "--json");
        (_, string textJson, _) = CliRunner.Run("run", "--model", model, "--prompt", "Describe.", "--max-new-tokens", "3", "--json");
        int PromptTokens(string json) => JsonDocument.Parse(json).RootElement.GetProperty("prompt_tokens").GetInt32();
        Assert.Multiple(() =>
        {
            Assert.That(withImage, Is.Zero);
            Assert.That(PromptTokens(imageJson), Is.EqualTo(PromptTokens(textJson) + 3 + 6 - 1), "vision start, end and six image tokens for one pad");
        });
    }

    [Test]
    public void ErrorsAreOneLineOnStandardErrorWithAStackOnlyWhenVerbose()
    {
        (int code, string output, string error) = CliRunner.Run("run", "--model", "/no/such/model", "--prompt", "Hi");
        (int verboseCode, _, string verbose) = CliRunner.Run("run", "--model", "/no/such/model", "--prompt", "Hi", "--verbose");
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(1));
            Assert.That(output, Is.Empty);
            Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
            Assert.That(error, Does.StartWith("error: Model '/no/such/model': the folder does not exist"));
            Assert.That(verboseCode, Is.EqualTo(1));
            Assert.That(verbose, Does.Contain("InvalidModelException").And.Contain(" at "));
        });
    }

    [Test]
    public void ARepeatedSessionConfigKeyIsAUsageErrorNamingIt()
    {
        (int code, _, string error) = CliRunner.Run("bench", "--model", TinyModelFactory.GetOrCreateTextModel(cacheFolder: Cache), "--session-config", "session.dynamic_block_base=4", "--session-config", "session.dynamic_block_base=8");
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.Not.Zero);
            Assert.That(error, Does.Contain("'session.dynamic_block_base' more than once"));
            Assert.That(error, Does.Not.Contain("   at "), "no stack trace");
        });
    }

    [Test]
    public void InspectImageWritesNpyFilesAndJson()
    {
        string image = Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", "rgb-97x61.png");
        (int code, string output, _) = CliRunner.Run("inspect", "image", "--model", TinyModelFactory.GetOrCreateVisionLanguageModel(cacheFolder: Cache), "--image", image, "--image", image, "--out", _out);
        (float[] values, long[] shape) = NpyFile.Read<float>(Path.Combine(_out, "pixel_values.npy"));
        (long[] grid, long[] gridShape) = NpyFile.Read<long>(Path.Combine(_out, "image_grid_thw.npy"));
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.Zero);
            Assert.That(output.Trim(), Is.EqualTo("{\"grid_thw\":[[1,4,6],[1,4,6]],\"num_image_tokens\":[6,6]}"));
            Assert.That(shape, Is.EqualTo(new long[] { 48, 1176 }));
            Assert.That(values, Has.Length.EqualTo(48 * 1176));
            Assert.That((grid, gridShape), Is.EqualTo((new long[] { 1, 4, 6, 1, 4, 6 }, new long[] { 2, 3 })));
        });
    }

    [Test]
    public void InspectPromptWritesThreeRowPositions()
    {
        string image = Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", "rgb-97x61.png");
        (int code, string output, _) = CliRunner.Run("inspect", "prompt", "--model", TinyModelFactory.GetOrCreateVisionLanguageModel(cacheFolder: Cache), "--prompt", "Describe.", "--image", image, "--out", _out);
        (long[] ids, long[] idShape) = NpyFile.Read<long>(Path.Combine(_out, "input_ids.npy"));
        (_, long[] positionShape) = NpyFile.Read<long>(Path.Combine(_out, "position_ids.npy"));
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.Zero);
            Assert.That(positionShape, Is.EqualTo(new long[] { 3, 1, idShape[1] }));
            Assert.That(ids.Count(id => id == 151655), Is.EqualTo(6));
            Assert.That(json.RootElement.GetProperty("num_image_tokens")[0].GetInt32(), Is.EqualTo(6));
            Assert.That(json.RootElement.GetProperty("rope_delta").GetInt64(), Is.EqualTo(-3), "a 2×3 merged grid puts 6 tokens on 3 positions");
        });
    }

    [Test]
    public void InspectPromptTakesAFolderOfVideoFrames()
    {
        string frames = Directory.CreateDirectory(Path.Combine(_out, "frames")).FullName;
        foreach (string frame in Directory.GetFiles(Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData"), "video-frame-*.png"))
        {
            File.Copy(frame, Path.Combine(frames, Path.GetFileName(frame)));
        }

        (int code, string output, _) = CliRunner.Run("inspect", "prompt", "--model", TinyModelFactory.GetOrCreateVisionLanguageModel(cacheFolder: Cache), "--prompt", "What happens?", "--video", frames, "--out", Path.Combine(_out, "inspection"));
        (long[] ids, _) = NpyFile.Read<long>(Path.Combine(_out, "inspection", "input_ids.npy"));
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.Zero);
            Assert.That(ids.Count(id => id == 151656), Is.EqualTo(270), "3 frames of 97×61 at the video minimum of 100352 pixels: 2 temporal patches of 9×15 merged tokens");
            Assert.That(json.RootElement.GetProperty("num_video_tokens")[0].GetInt32(), Is.EqualTo(270));
            Assert.That(json.RootElement.GetProperty("rope_delta").GetInt64(), Is.EqualTo(-255), "270 video tokens on 15 positions");
        });
    }

    [TestCase("text", "genai_config.json")]
    [TestCase("text-onnx", "onnx/model.onnx")]
    [TestCase("vl", "onnx/vision_encoder.onnx")]
    [TestCase("audio", "onnx/audio_encoder.onnx")]
    [TestCase("omni", "onnx/audio_encoder.onnx")]
    public void MakeTinyWritesEachLayout(string kind, string file)
    {
        (int code, string output, _) = CliRunner.Run("models", "make-tiny", "--kind", kind, "--out", _out);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.Zero);
            Assert.That(output.Trim(), Is.EqualTo(_out));
            Assert.That(File.Exists(Path.Combine(_out, file)), Is.True);
        });
    }
}
