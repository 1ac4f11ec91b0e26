using Qwen.Onnx.Generation;

namespace Qwen.Onnx.Core.Tests;

public class StopSequenceMatcherTests
{
    [Test]
    public void AStopSequenceSpanningPiecesIsFoundAndNotEmitted()
    {
        var matcher = new StopSequenceMatcher(["END OF"]);
        Assert.Multiple(() =>
        {
            Assert.That(matcher.Push("hello E", out bool s1), Is.EqualTo("hello "));
            Assert.That(s1, Is.False);
            Assert.That(matcher.Push("ND ", out bool s2), Is.Empty);
            Assert.That(s2, Is.False);
            Assert.That(matcher.Push("OF story", out bool s3), Is.Empty);
            Assert.That(s3, Is.True);
        });
    }

    [Test]
    public void HeldTextIsReleasedWhenItStopsLookingLikeAStop()
    {
        var matcher = new StopSequenceMatcher(["###"]);
        Assert.Multiple(() =>
        {
            Assert.That(matcher.Push("a#", out _), Is.EqualTo("a"));
            Assert.That(matcher.Push("#b", out bool stopped), Is.EqualTo("##b"));
            Assert.That(stopped, Is.False);
            Assert.That(matcher.Push("c#", out _), Is.EqualTo("c"));
            Assert.That(matcher.Flush(), Is.EqualTo("#"));
        });
    }

    [Test]
    public void TheEarliestOfSeveralStopsWins()
    {
        var matcher = new StopSequenceMatcher(["world", "lo w"]);
        Assert.That(matcher.Push("hello world", out bool stopped), Is.EqualTo("hel"));
        Assert.That(stopped, Is.True);
    }

    [Test]
    public void WithoutStopsTextPassesThrough()
    {
        var matcher = new StopSequenceMatcher([]);
        Assert.That(matcher.Push("anything", out bool stopped), Is.EqualTo("anything"));
        Assert.That(stopped, Is.False);
    }
}
