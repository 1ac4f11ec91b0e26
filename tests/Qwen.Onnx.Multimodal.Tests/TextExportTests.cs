using System.Text.Json;
using Qwen.Onnx.Testing;

namespace Qwen.Onnx.Multimodal.Tests;

/// <summary>
/// Text-only onnx-community exports (transformers.js layout, one decoder on input_ids) run on the multimodal engine
/// with the model's own chat template; the same weights in GenAI layout must give the same prompt and tokens.
/// </summary>
[Parallelizable(ParallelScope.None)]
public class TextExportTests
{
    private static readonly string Cache = Path.Combine(Path.GetTempPath(), "qwen-onnx-tests", "models");
    private QwenModel _onnxCommunity = null!;
    private QwenModel _genAi = null!;

    [OneTimeSetUp]
    public async Task Load()
    {
        _onnxCommunity = await QwenModel.LoadAsync(TinyModelFactory.GetOrCreateOnnxCommunityTextModel(cacheFolder: Cache));
        _genAi = await QwenModel.LoadAsync(TinyModelFactory.GetOrCreateTextModel(cacheFolder: Cache));
    }

    [OneTimeTearDown]
    public void Unload()
    {
        _onnxCommunity.Dispose();
        _genAi.Dispose();
    }

    [TestCase(null)]
    [TestCase(false)]
    public async Task GreedyTokensAndPromptEqualTheGenAiLayoutOfTheSameWeights(bool? thinking)
    {
        var request = new QwenChatRequest(
            [QwenChatMessage.System("Be brief."), QwenChatMessage.User("Hello!"), QwenChatMessage.Assistant("Hi."), QwenChatMessage.User("Count to five.")],
            new GenerationOptions { MaxNewTokens = 16, EnableThinking = thinking });

        QwenChatResponse onnxCommunity = await _onnxCommunity.GenerateAsync(request);
        QwenChatResponse genAi = await _genAi.GenerateAsync(request);

        Assert.Multiple(() =>
        {
            Assert.That(_onnxCommunity.Folder.Layout, Is.EqualTo(Models.ModelLayout.OnnxCommunity));
            Assert.That(_onnxCommunity.RenderPrompt(request), Is.EqualTo(_genAi.RenderPrompt(request)));
            Assert.That(onnxCommunity.TokenIds, Is.EqualTo(genAi.TokenIds));
            Assert.That(onnxCommunity.Usage.PromptTokens, Is.EqualTo(genAi.Usage.PromptTokens));
        });
    }

    [Test]
    public void ToolsReachTheTemplate()
    {
        var request = new QwenChatRequest([QwenChatMessage.User("Weather in Paris?")])
        {
            Tools = [new QwenTool("get_weather", "Current weather.", JsonSerializer.SerializeToElement(new { type = "object", properties = new { city = new { type = "string" } } }))],
        };
        Assert.That(_onnxCommunity.RenderPrompt(request), Is.EqualTo(_genAi.RenderPrompt(request)).And.Contain("get_weather"));
    }

    [Test]
    public async Task AFollowUpTurnReusesThePromptCache()
    {
        var options = new GenerationOptions { MaxNewTokens = 6 };
        QwenChatResponse first = await _onnxCommunity.GenerateAsync(new QwenChatRequest([QwenChatMessage.User("Hello!")], options));
        var followUp = new QwenChatRequest([QwenChatMessage.User("Hello!"), QwenChatMessage.Assistant(first.Text), QwenChatMessage.User("More?")], options);
        QwenChatResponse second = await _onnxCommunity.GenerateAsync(followUp);
        QwenChatResponse recomputed = await _genAi.GenerateAsync(followUp);

        Assert.Multiple(() =>
        {
            Assert.That(second.Usage.CachedPromptTokens, Is.GreaterThanOrEqualTo(first.Usage.PromptTokens));
            Assert.That(second.TokenIds, Is.EqualTo(recomputed.TokenIds));
        });
    }

    [Test]
    public async Task ATemplateInChatTemplateJinjaIsUsed()
    {
        string folder = ExportWithTemplate((config, dir) => File.WriteAllText(Path.Combine(dir, "chat_template.jinja"), (string)config["chat_template"]!));
        try
        {
            await using QwenModel model = await QwenModel.LoadAsync(folder);
            var request = new QwenChatRequest([QwenChatMessage.System("Be brief."), QwenChatMessage.User("Hello!")]);
            Assert.That(model.RenderPrompt(request), Is.EqualTo(_genAi.RenderPrompt(request)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void AnExportWithoutAChatTemplateIsAnInvalidModel()
    {
        string folder = ExportWithTemplate((_, _) => { });
        try
        {
            var e = Assert.ThrowsAsync<InvalidModelException>(() => QwenModel.LoadAsync(folder));
            Assert.That(e!.Message, Does.Contain("no chat template"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A private export whose tokenizer_config.json loses its chat template after <paramref name="moveTemplate"/> saw it.</summary>
    private static string ExportWithTemplate(Action<System.Text.Json.Nodes.JsonObject, string> moveTemplate)
    {
        string folder = Directory.CreateTempSubdirectory("qwen-text-oc-").FullName;
        TinyModelFactory.WriteOnnxCommunityTextModel(folder);
        string path = Path.Combine(folder, "tokenizer_config.json");
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        moveTemplate(config, folder);
        config.Remove("chat_template");
        File.WriteAllText(path, config.ToJsonString());
        return folder;
    }

    [Test]
    public void ImagesAreRefusedForLackOfAVisionEncoder()
    {
        var request = new QwenChatRequest([QwenChatMessage.User(ImagePart.FromPixels(new byte[28 * 28 * 3], 28, 28, PixelFormat.Rgb24), "?")]);
        Assert.ThrowsAsync<UnsupportedModalityException>(() => _onnxCommunity.GenerateAsync(request));
    }
}
