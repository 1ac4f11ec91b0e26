using System.Text.Json;
using System.Text.Json.Nodes;

namespace Qwen.Onnx.Text.Tests;

/// <summary>
/// Tools and earlier tool calls reach the prompt exactly as Hugging Face's Jinja renders the model's own template
/// (scripts/template-golden, @huggingface/jinja), and the model's tool-call markup is read back into calls.
/// </summary>
[Parallelizable(ParallelScope.None)]
public class ToolCallingTests
{
    private QwenModel _model = null!;

    public static IEnumerable<TestCaseData> Cases() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", "tool-prompts.json")))!.AsArray()
            .Select(c => new TestCaseData(c!).SetArgDisplayNames((string)c!["name"]!));

    [OneTimeSetUp]
    public async Task Load() => _model = await QwenModel.LoadAsync(TinyModels.Text);

    [OneTimeTearDown]
    public void Unload() => _model.Dispose();

    [TestCaseSource(nameof(Cases))]
    public void PromptsWithToolsEqualTheReferenceTemplateRendering(JsonNode testCase)
    {
        var request = new QwenChatRequest(testCase["messages"]!.AsArray().Select(ToMessage))
        {
            Tools = [.. testCase["tools"]!.AsArray().Select(t => t!["function"]!).Select(f => new QwenTool(
                (string)f["name"]!, (string?)f["description"], JsonSerializer.SerializeToElement(f["parameters"])))],
        };

        Assert.That(_model.RenderPrompt(request), Is.EqualTo((string)testCase["prompt"]!));
    }

    [Test]
    public void ToolsAndCallsAreValidated()
    {
        Assert.Throws<ArgumentException>(() => new QwenTool("f", parametersSchema: JsonSerializer.SerializeToElement(new[] { 1 })));
        Assert.Throws<ArgumentException>(() => new QwenChatMessage(QwenChatRole.User, ["x"]) { ToolCalls = [new QwenToolCall("f", JsonSerializer.SerializeToElement(new { }))] });
    }

    private static QwenChatMessage ToMessage(JsonNode? message)
    {
        var role = Enum.Parse<QwenChatRole>((string)message!["role"]!, ignoreCase: true);
        return new QwenChatMessage(role, [(string)message["content"]!])
        {
            ToolCalls = [.. (message["tool_calls"]?.AsArray() ?? []).Select(c => c!["function"]!)
                .Select(f => new QwenToolCall((string)f["name"]!, JsonSerializer.SerializeToElement(f["arguments"])))],
        };
    }
}
