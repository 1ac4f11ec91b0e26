using System.Diagnostics;
using Qwen.Onnx.Generation;
using Qwen.Onnx.Tokenization;

namespace Qwen.Onnx.Core.Tests;

public class ResponseStreamerTests
{
    private static ResponseStreamer Start(GenerationOptions options) =>
        new(SharedTokenizer.Instance, options, SharedTokenizer.Instance.EndOfTurnTokenIds, promptTokens: 7, TimeSpan.FromSeconds(1), Stopwatch.GetTimestamp());

    [Test]
    public void EndOfTurnStopsWithUsage()
    {
        ResponseStreamer streamer = Start(new GenerationOptions());
        QwenChatResponseUpdate hello = streamer.OnToken(9707);
        QwenChatResponseUpdate end = streamer.OnToken(151645);
        Assert.Multiple(() =>
        {
            Assert.That(hello.Text, Is.EqualTo("Hello"));
            Assert.That(hello.Completion, Is.Null);
            Assert.That(end.Text, Is.Empty);
            Assert.That(end.FinishReason, Is.EqualTo(FinishReason.Stop));
            Assert.That(end.Completion!.Usage, Is.EqualTo(new QwenUsage(7, 2)));
            Assert.That(end.Completion.Timings.Load, Is.EqualTo(TimeSpan.FromSeconds(1)));
        });
    }

    [Test]
    public void TheTokenLimitEndsWithLength()
    {
        ResponseStreamer streamer = Start(new GenerationOptions { MaxNewTokens = 2 });
        streamer.OnToken(9707);
        QwenChatResponseUpdate last = streamer.OnToken(11);
        Assert.That(last.FinishReason, Is.EqualTo(FinishReason.Length));
        Assert.That(last.Text, Is.EqualTo(","));
    }

    [Test]
    public void AMultiTokenStopSequenceEndsTheAnswerBeforeIt()
    {
        QwenTokenizer tokenizer = SharedTokenizer.Instance;
        ResponseStreamer streamer = Start(new GenerationOptions { StopSequences = ["lazy dog"] });
        var builder = new QwenChatResponseBuilder();
        foreach (int id in tokenizer.Encode("The quick brown fox jumps over the lazy dog again"))
        {
            builder.Add(streamer.OnToken(id));
            if (streamer.Finish is not null)
            {
                break;
            }
        }

        QwenChatResponse response = builder.Build();
        Assert.Multiple(() =>
        {
            Assert.That(response.Text, Is.EqualTo("The quick brown fox jumps over the "));
            Assert.That(response.FinishReason, Is.EqualTo(FinishReason.Stop));
            Assert.That(response.TokenIds, Has.Count.EqualTo(9), "the answer ends at the token that completes the stop sequence");
        });
    }

    [Test]
    public void AStreamWithoutFinalUpdateBuildsACancelledResponse()
    {
        var builder = new QwenChatResponseBuilder();
        builder.Add(new QwenChatResponseUpdate("par", 1));
        QwenChatResponse response = builder.Build(promptTokens: 5);
        Assert.Multiple(() =>
        {
            Assert.That(response.FinishReason, Is.EqualTo(FinishReason.Cancelled));
            Assert.That(response.Text, Is.EqualTo("par"));
            Assert.That(response.Usage, Is.EqualTo(new QwenUsage(5, 1)));
        });
    }
}
