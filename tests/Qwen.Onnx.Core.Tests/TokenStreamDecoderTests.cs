using System.Text;
using Qwen.Onnx.Tokenization;

namespace Qwen.Onnx.Core.Tests;

public class TokenStreamDecoderTests
{
    [Test]
    public void TokensHoldingPartsOfACharacterEmitNothingUntilItIsComplete()
    {
        QwenTokenizer tokenizer = SharedTokenizer.Instance;

        // "𠀀" is 4 UTF-8 bytes (F0 A0 80 80); Qwen splits them over three tokens (as Hugging Face does).
        IReadOnlyList<int> ids = tokenizer.Encode("𠀀");
        Assert.That(ids, Is.EqualTo(new[] { 172, 63219, 222 }));
        TokenStreamDecoder decoder = tokenizer.CreateStreamDecoder();
        Assert.Multiple(() =>
        {
            Assert.That(decoder.Append(ids[0]), Is.Empty);
            Assert.That(decoder.Append(ids[1]), Is.Empty);
            Assert.That(decoder.Append(ids[2]), Is.EqualTo("𠀀"));
            Assert.That(decoder.Flush(), Is.Empty);
        });
    }

    [TestCase("通义千问是阿里巴巴开发的大语言模型。")]
    [TestCase("I ❤️ Qwen 😀🚀👩‍👩‍👧‍👦 🇨🇳")]
    [TestCase("𠀀𠀁 𝒜𝓁𝓅𝒽𝒶 mixed ASCII")]
    public void StreamedPiecesConcatenateToTheText(string text)
    {
        QwenTokenizer tokenizer = SharedTokenizer.Instance;
        TokenStreamDecoder decoder = tokenizer.CreateStreamDecoder();
        var pieces = tokenizer.Encode(text).Select(decoder.Append).ToList();
        pieces.Add(decoder.Flush());
        Assert.That(pieces.Any(p => p.Contains('\uFFFD', StringComparison.Ordinal)), Is.False);
        Assert.That(string.Concat(pieces), Is.EqualTo(text));
    }

    [Test]
    public void AnIncompleteCharacterAtTheEndBecomesReplacementCharacter()
    {
        QwenTokenizer tokenizer = SharedTokenizer.Instance;
        TokenStreamDecoder decoder = tokenizer.CreateStreamDecoder();
        string first = decoder.Append(tokenizer.Encode("𠀀")[0]);
        Assert.That(first + decoder.Flush(), Is.EqualTo("\uFFFD"));
    }

    [Test]
    public void SpecialTokensAreSkippedByDefault()
    {
        QwenTokenizer tokenizer = SharedTokenizer.Instance;
        TokenStreamDecoder decoder = tokenizer.CreateStreamDecoder();
        var text = new StringBuilder();
        foreach (int id in tokenizer.Encode("a<|im_end|>b"))
        {
            text.Append(decoder.Append(id));
        }

        Assert.That(text.ToString(), Is.EqualTo("ab"));
    }
}
