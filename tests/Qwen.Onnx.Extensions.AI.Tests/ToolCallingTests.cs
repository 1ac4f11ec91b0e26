using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Qwen.Onnx.Testing;

namespace Qwen.Onnx.Extensions.AI.Tests;

/// <summary>
/// Function tools through Microsoft.Extensions.AI: declarations, calls and results become the prompt Hugging Face's
/// Jinja renders for the same conversation, and the model's call markup becomes <see cref="FunctionCallContent"/>.
/// </summary>
[Parallelizable(ParallelScope.None)]
public class ToolCallingTests
{
    private QwenModel _text = null!;

    private static JsonNode Golden(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", "tool-prompts.json")))!.AsArray().Single(c => (string)c!["name"]! == name)!;

    [OneTimeSetUp]
    public async Task Load() => _text = await QwenModel.LoadAsync(TinyModelFactory.GetOrCreateTextModel(cacheFolder: Path.Combine(Path.GetTempPath(), "qwen-onnx-tests", "models")));

    [OneTimeTearDown]
    public void Unload() => _text.Dispose();

    [Test]
    public void ACallAndItsResultRenderAsTheReferenceTemplateDoes()
    {
        JsonNode golden = Golden("a call and its result");
        JsonNode function = golden["tools"]![0]!["function"]!;
        var options = new ChatOptions
        {
            Tools = [AIFunctionFactory.CreateDeclaration((string)function["name"]!, (string?)function["description"], JsonSerializer.SerializeToElement(function["parameters"]))],
        };
        ChatMessage[] messages =
        [
            new(ChatRole.User, "Weather in Paris?"),
            new(ChatRole.Assistant, [new FunctionCallContent("call_1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris", ["unit"] = "celsius" })]),
            new(ChatRole.Tool, [new FunctionResultContent("call_1", "{\"temperature\": 21, \"sky\": \"clear\"}")]),
        ];

        Assert.That(_text.RenderPrompt(ChatRequestMapping.ToRequest(messages, options)), Is.EqualTo((string)golden["prompt"]!));
    }

    [TestCase("auto", typeof(TextOrToolCallResponseFormat))]
    [TestCase("unset", typeof(TextOrToolCallResponseFormat))]
    [TestCase("required", typeof(ToolCallResponseFormat))]
    [TestCase("none", typeof(TextResponseFormat))]
    public void EachToolModeMapsToItsConstraint(string mode, Type format)
    {
        var options = new ChatOptions
        {
            Tools = [AIFunctionFactory.CreateDeclaration("get_weather", "Weather.", JsonDocument.Parse("""{"type":"object","properties":{"city":{"type":"string"}}}""").RootElement)],
            ToolMode = mode switch { "auto" => ChatToolMode.Auto, "required" => ChatToolMode.RequireAny, "none" => ChatToolMode.None, _ => null },
        };
        ResponseFormat mapped = ChatRequestMapping.ToRequest([new ChatMessage(ChatRole.User, "x")], options).Options.ResponseFormat;
        Assert.That(mapped, Is.TypeOf(format));
        if (mapped is TextOrToolCallResponseFormat auto)
        {
            Assert.That(auto.Tools, Is.EqualTo("""[{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}]"""));
        }
    }

    [Test]
    public void AnAutoToolModeLeavesARequestedJsonFormatInPlace()
    {
        var options = new ChatOptions
        {
            Tools = [AIFunctionFactory.CreateDeclaration("get_weather", "Weather.", JsonDocument.Parse("""{"type":"object"}""").RootElement)],
            ToolMode = ChatToolMode.Auto,
            ResponseFormat = ChatResponseFormat.Json,
        };
        Assert.That(ChatRequestMapping.ToRequest([new ChatMessage(ChatRole.User, "x")], options).Options.ResponseFormat, Is.TypeOf<JsonObjectResponseFormat>());
    }

    [Test]
    public void NonFunctionToolsAreRefused()
    {
        var hosted = new ChatOptions { Tools = [new HostedWebSearchTool()] };
        Assert.Throws<UnsupportedRequestException>(() => ChatRequestMapping.ToRequest([new ChatMessage(ChatRole.User, "x")], hosted));
    }

    [Test]
    public void CallMarkupBecomesFunctionCallContent()
    {
        (string text, IReadOnlyList<QwenToolCall> calls) = ToolCallMarkup.Extract("Checking.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>");
        List<AIContent> contents = ChatResponseMapping.ToContents(null, text, calls);
        var call = (FunctionCallContent)contents[1];
        Assert.Multiple(() =>
        {
            Assert.That(((TextContent)contents[0]).Text, Is.EqualTo("Checking."));
            Assert.That(call.Name, Is.EqualTo("get_weather"));
            Assert.That(((JsonElement)call.Arguments!["city"]!).GetString(), Is.EqualTo("Paris"));
            Assert.That(call.CallId, Does.StartWith("call_"));
            Assert.That(ChatResponseMapping.ToFinishReason(FinishReason.Stop, calledTools: true), Is.EqualTo(ChatFinishReason.ToolCalls));
        });
    }

    [Test]
    public void StreamedCallMarkupIsHeldBackAndReadAtTheEnd()
    {
        var filter = new ToolCallStreamFilter();
        string[] shown = [.. new[] { "Let me ", "check.\n", "<tool_call>", "\n{\"name\": \"f\", ", "\"arguments\": {}}\n", "</tool_call>" }.Select(filter.Push)];
        (string rest, IReadOnlyList<QwenToolCall> calls) = filter.Finish();
        Assert.Multiple(() =>
        {
            Assert.That(string.Concat(shown), Is.EqualTo("Let me check.\n"));
            Assert.That(rest, Is.Empty);
            Assert.That(calls.Single().Name, Is.EqualTo("f"));
        });
    }

    [Test]
    public void HeldTextThatIsNotACallIsReleasedAtTheEnd()
    {
        var filter = new ToolCallStreamFilter();
        Assert.That(filter.Push("a <tool_call> b"), Is.EqualTo("a "));
        (string rest, IReadOnlyList<QwenToolCall> calls) = filter.Finish();
        Assert.That((rest, calls.Count), Is.EqualTo(("<tool_call> b", 0)));
    }
}
