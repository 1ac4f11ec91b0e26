using Microsoft.Extensions.AI;

namespace Qwen.Onnx.Extensions.AI.Tests;

/// <summary>Qwen3's &lt;think&gt; block reaches Microsoft.Extensions.AI as reasoning, apart from the answer.</summary>
public class ReasoningTests
{
    private static (string Reasoning, string Answer) Stream(bool startsInReasoning, params string[] pieces)
    {
        var splitter = new ReasoningStreamSplitter(startsInReasoning);
        var parts = pieces.Select(splitter.Push).ToList();
        return (string.Concat(parts.Select(p => p.Reasoning)), string.Concat(parts.Select(p => p.Answer)) + splitter.Flush());
    }

    [Test]
    public void AThinkingBlockIsStreamedAsReasoning() =>
        Assert.That(Stream(false, "<think>", "\nThe user", " greets.\n", "</think>", "\n\n", "Hello", "!"), Is.EqualTo(("\nThe user greets.\n", "Hello!")));

    [Test]
    public void AnAnswerWithoutThinkingPassesThrough() =>
        Assert.That(Stream(false, "Hel", "lo", " <b>"), Is.EqualTo(("", "Hello <b>")));

    [Test]
    public void APromptThatOpenedTheBlockStartsInReasoning() =>
        Assert.That(Stream(true, "Greeting.", "</think>", "\n\nHi"), Is.EqualTo(("Greeting.", "Hi")));

    [Test]
    public void ShortUndecidedTextIsReleasedAtTheEnd() =>
        Assert.That(Stream(false, "\n", "<thi"), Is.EqualTo(("", "\n<thi")));

    [Test]
    public void AWholeResponseCarriesReasoningContent()
    {
        (string? reasoning, string answer) = ThinkingMarkup.Split("<think>\nHmm.\n</think>\n\nYes.");
        List<AIContent> contents = ChatResponseMapping.ToContents(reasoning, answer, []);
        Assert.Multiple(() =>
        {
            Assert.That(((TextReasoningContent)contents[0]).Text, Is.EqualTo("Hmm."));
            Assert.That(((TextContent)contents[1]).Text, Is.EqualTo("Yes."));
        });
    }
}
