using Qwen.Onnx.Multimodal.Positions;
using Qwen.Onnx.Multimodal.Prompts;
using Qwen.Onnx.Testing.Tokenizer;
using Qwen.Onnx.Tokenization;

namespace Qwen.Onnx.Multimodal.Tests;

/// <summary>The spec's vectors (qwen-inputs.md §2.2, §3.1) for prompts and M-RoPE positions.</summary>
public class PositionAndPromptTests
{
    private static readonly int[] SpecIds =
    [
        151644, 8948, 198, 2610, 525, 264, 10950, 17847, 13, 151645, 198, 151644, 872, 198, 151652,
        .. Enumerable.Repeat(151655, 64),
        151653, 74785, 419, 2168, 13, 151645, 198, 151644, 77091, 198,
    ];

    private static readonly Lazy<QwenTokenizer> Tokenizer = new(() =>
    {
        string folder = Directory.CreateTempSubdirectory("qwen-tokenizer-").FullName;
        QwenTokenizerAssets.WriteTo(folder);
        return QwenTokenizer.FromFolder(folder);
    });

    [Test]
    public void OneImagePromptRendersAsTheQwen2VlTemplate()
    {
        var messages = new[] { QwenChatMessage.User(ImagePart.FromFile("cat.png"), "Describe this image.") };
        string expected = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>Describe this image.<|im_end|>\n<|im_start|>assistant\n";
        Assert.That(ChatMlPrompt.Render(messages), Is.EqualTo(expected));
    }

    [Test]
    public void TheSpecPromptTokenisesToTheSpecIdsOnceItsPadIsExpanded()
    {
        var messages = new[] { QwenChatMessage.User(ImagePart.FromFile("cat.png"), "Describe this image.") };
        IReadOnlyList<int> ids = Tokenizer.Value.Encode(ChatMlPrompt.Render(messages));
        int[] expanded = [.. ids.SelectMany(id => id == 151655 ? Enumerable.Repeat(id, 64) : [id])];
        Assert.That(expanded, Is.EqualTo(SpecIds));
    }

    [Test]
    public void AudioSegmentsAreNumberedAcrossTheConversation()
    {
        var messages = new[]
        {
            QwenChatMessage.System("Be brief."),
            QwenChatMessage.User(AudioPart.FromFile("a.wav"), "and", AudioPart.FromFile("b.wav"), "What was said?"),
        };
        string expected = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n" +
            "Audio 1: <|audio_bos|><|AUDIO|><|audio_eos|>\nAudio 2: <|audio_bos|><|AUDIO|><|audio_eos|>\nand" +
            "Audio 3: <|audio_bos|><|AUDIO|><|audio_eos|>\nWhat was said?<|im_end|>\n<|im_start|>assistant\n";
        Assert.That(ChatMlPrompt.Render(messages, [2, 1]), Is.EqualTo(expected));
    }

    [Test]
    public void OneImageOf224PixelsGivesRopeDeltaMinus56()
    {
        (long[] positions, long delta) = MropePositions.Compute(SpecIds, new HashSet<int> { 151655, 151656 }, [new VisionGrid(1, 16, 16)]);
        int s = SpecIds.Length;
        Assert.Multiple(() =>
        {
            Assert.That(delta, Is.EqualTo(-56));
            Assert.That(s + delta, Is.EqualTo(33), "the first generated token's position");
            Assert.That(positions.AsSpan(0, 15).ToArray(), Is.EqualTo(Enumerable.Range(0, 15).Select(i => (long)i)));
            Assert.That(positions[15], Is.EqualTo(15), "image tokens start after the 15 text tokens (vision_start included)");
            Assert.That(positions.AsSpan(15, 64).ToArray().Distinct(), Is.EqualTo(new long[] { 15 }), "temporal row of the image");
            Assert.That(positions[s + 15 + 9], Is.EqualTo(16), "height row: token 9 is in the second row of the 8×8 grid");
            Assert.That(positions[(2 * s) + 15 + 9], Is.EqualTo(16), "width row: token 9 is in the second column");
            Assert.That(positions[s + 15 + 63], Is.EqualTo(22));
            Assert.That(positions.AsSpan(79, 10).ToArray(), Is.EqualTo(Enumerable.Range(23, 10).Select(i => (long)i)));
        });
    }

    [Test]
    public void Qwen25VlVideoTimeScaling()
    {
        int[] ids = [1, 2, 3, .. Enumerable.Repeat(151656, 4 * 2 * 3), 4];
        (long[] positions, long _) = MropePositions.Compute(ids, new HashSet<int> { 151655, 151656 }, [new VisionGrid(4, 4, 6, SecondsPerGrid: 1.0)], 2, tokensPerSecond: 2);
        int s = ids.Length;
        Assert.Multiple(() =>
        {
            Assert.That(positions.AsSpan(3, 24).ToArray().Distinct(), Is.EqualTo(new long[] { 3, 5, 7, 9 }));
            Assert.That(positions.AsSpan(s + 3, 24).ToArray().Distinct().Order(), Is.EqualTo(new long[] { 3, 4 }));
            Assert.That(positions.AsSpan((2 * s) + 3, 24).ToArray().Distinct().Order(), Is.EqualTo(new long[] { 3, 4, 5 }));
            Assert.That(positions[s - 1], Is.EqualTo(10), "text after the video starts at its largest position + 1");
        });
    }

    [Test]
    public void MoreVisionBlocksThanGridsIsAnError() =>
        Assert.Throws<ArgumentException>(() => MropePositions.Compute(SpecIds, new HashSet<int> { 151655 }, []));
}
