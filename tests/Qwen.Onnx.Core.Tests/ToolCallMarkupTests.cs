namespace Qwen.Onnx.Core.Tests;

public class ToolCallMarkupTests
{
    [Test]
    public void OneCallIsReadAndRemovedFromTheText()
    {
        (string content, IReadOnlyList<QwenToolCall> calls) = ToolCallMarkup.Extract("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"days\": 2}}\n</tool_call>");
        Assert.Multiple(() =>
        {
            Assert.That(content, Is.Empty);
            Assert.That(calls.Select(c => c.Name), Is.EqualTo(new[] { "get_weather" }));
            Assert.That(calls[0].Arguments.GetProperty("city").GetString(), Is.EqualTo("Paris"));
            Assert.That(calls[0].Arguments.GetProperty("days").GetInt32(), Is.EqualTo(2));
        });
    }

    [Test]
    public void TextAroundSeveralCallsIsKept()
    {
        (string content, IReadOnlyList<QwenToolCall> calls) = ToolCallMarkup.Extract(
            "Let me check.\n<tool_call>\n{\"name\": \"a\", \"arguments\": {}}\n</tool_call>\n<tool_call>\n{\"name\": \"b\", \"arguments\": {\"x\": [1, 2]}}\n</tool_call>");
        Assert.Multiple(() =>
        {
            Assert.That(content, Is.EqualTo("Let me check."));
            Assert.That(calls.Select(c => c.Name), Is.EqualTo(new[] { "a", "b" }));
            Assert.That(calls[1].Arguments.GetProperty("x").GetArrayLength(), Is.EqualTo(2));
        });
    }

    [TestCase("<tool_call>\n{\"name\": \"a\", \"arguments\": {\"x\": 1}\n</tool_call>", TestName = "Broken JSON")]
    [TestCase("<tool_call>\n{\"name\": \"a\", \"arguments\": \"x=1\"}\n</tool_call>", TestName = "Arguments not an object")]
    [TestCase("<tool_call>\n{\"arguments\": {}}\n</tool_call>", TestName = "No name")]
    [TestCase("<tool_call>\n{\"name\": \"a\", \"arguments\": {}}", TestName = "Unfinished block")]
    [TestCase("No calls here.", TestName = "Plain text")]
    public void WhatIsNotACallStaysText(string text)
    {
        (string content, IReadOnlyList<QwenToolCall> calls) = ToolCallMarkup.Extract(text);
        Assert.Multiple(() =>
        {
            Assert.That(calls, Is.Empty);
            Assert.That(content, Is.EqualTo(text));
        });
    }

    [Test]
    public void AResponseExposesItsCalls()
    {
        var response = new QwenChatResponse("<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call>", [1, 2], FinishReason.Stop, new QwenUsage(3, 2), default);
        Assert.That(response.ToolCalls.Single().Name, Is.EqualTo("f"));
    }
}
