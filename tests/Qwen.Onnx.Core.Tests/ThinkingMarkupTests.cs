namespace Qwen.Onnx.Core.Tests;

public class ThinkingMarkupTests
{
    [TestCase("<think>\nThe user greets.\n</think>\n\nHello!", "The user greets.", "Hello!", TestName = "A thinking block, then the answer")]
    [TestCase("<think>\n\n</think>\n\nHello!", "", "Hello!", TestName = "Thinking switched off leaves an empty block")]
    [TestCase("The user greets.\n</think>\n\nHello!", "The user greets.", "Hello!", TestName = "The block was opened by the prompt")]
    [TestCase("<think>\nStill thinking", "Still thinking", "", TestName = "Cut off while thinking")]
    [TestCase("Hello!", null, "Hello!", TestName = "No thinking")]
    public void ReasoningIsSplitFromTheAnswer(string text, string? reasoning, string answer) =>
        Assert.That(ThinkingMarkup.Split(text), Is.EqualTo((reasoning, answer)));

    [Test]
    public void ToolCallsInsideTheReasoningAreNotCalls()
    {
        var response = new QwenChatResponse(
            "<think>\nI could write <tool_call>\n{\"name\": \"a\", \"arguments\": {}}\n</tool_call>\n</think>\n\n<tool_call>\n{\"name\": \"b\", \"arguments\": {}}\n</tool_call>",
            [1], FinishReason.Stop, new QwenUsage(1, 1), default);
        Assert.Multiple(() =>
        {
            Assert.That(response.ToolCalls.Select(c => c.Name), Is.EqualTo(new[] { "b" }));
            Assert.That(response.Reasoning, Does.StartWith("I could write"));
        });
    }
}
