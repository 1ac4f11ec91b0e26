using System.Text;

namespace Qwen.Onnx.Tokenization;

/// <summary>
/// Turns generated tokens into text one token at a time. A token may hold part of a UTF-8 character
/// (common for Chinese and emoji); its bytes are kept until the character is complete, so no text is lost
/// or garbled. One decoder per generation; not thread-safe.
/// </summary>
public sealed class TokenStreamDecoder
{
    private readonly QwenTokenizer _tokenizer;
    private readonly bool _skipSpecialTokens;
    private readonly Decoder _utf8 = new UTF8Encoding(false, false).GetDecoder();
    private char[] _chars = new char[64];

    internal TokenStreamDecoder(QwenTokenizer tokenizer, bool skipSpecialTokens)
    {
        _tokenizer = tokenizer;
        _skipSpecialTokens = skipSpecialTokens;
    }

    /// <summary>Adds a token and returns the text completed by it (often empty mid-character).</summary>
    /// <param name="tokenId">The generated token.</param>
    public string Append(int tokenId)
    {
        if (_skipSpecialTokens && _tokenizer.IsSpecial(tokenId))
        {
            return string.Empty;
        }

        ReadOnlySpan<byte> bytes = _tokenizer.GetTokenBytes(tokenId);
        int needed = _utf8.GetCharCount(bytes, flush: false);
        if (needed == 0)
        {
            _utf8.GetChars(bytes, [], flush: false);
            return string.Empty;
        }

        if (_chars.Length < needed)
        {
            _chars = new char[Math.Max(needed, _chars.Length * 2)];
        }

        int written = _utf8.GetChars(bytes, _chars, flush: false);
        return new string(_chars, 0, written);
    }

    /// <summary>Ends the stream: an incomplete trailing character becomes U+FFFD.</summary>
    public string Flush()
    {
        int written = _utf8.GetChars([], _chars, flush: true);
        return written == 0 ? string.Empty : new string(_chars, 0, written);
    }
}
