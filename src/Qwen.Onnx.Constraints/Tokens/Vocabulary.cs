using Qwen.Onnx.Constraints.Schemas;
using Qwen.Onnx.Tokenization;

namespace Qwen.Onnx.Constraints.Tokens;

/// <summary>
/// What mask building needs of a vocabulary, built once per tokenizer and shared by every format compiled for it: the
/// token trie, and the tokens read through the character classes that the large masks are made of (auto mode's text,
/// JSON strings, the letters and digits of e-mail addresses and identifier patterns, letters alone), widest first.
/// </summary>
internal sealed class Vocabulary
{
    public Vocabulary(QwenTokenizer tokenizer)
    {
        List<(byte[] Bytes, int Id)> entries = TokenTrie.EntriesOf(tokenizer);
        Trie = TokenTrie.Of(entries, tokenizer.VocabularySize);
        Classes = [
            new CharacterClassTokens(ToolCallGrammar.TextCharacters, entries, Trie),
            new CharacterClassTokens(JsonText.Raw, entries, Trie),
            new CharacterClassTokens(StringFormats.LettersAndDigits, entries, Trie),
            new CharacterClassTokens(StringFormats.Letters, entries, Trie)];
    }

    public TokenTrie Trie { get; }

    public IReadOnlyList<CharacterClassTokens> Classes { get; }
}
