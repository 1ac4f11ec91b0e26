using System.Text;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Qwen.Onnx.Tokenization;

/// <summary>
/// Qwen's byte-level BPE tokenizer, read from a model's <c>tokenizer.json</c> and <c>tokenizer_config.json</c>:
/// NFC normalisation, the Qwen split regex, added and special tokens matched in the text, and decoding
/// that never splits a UTF-8 character. Encoding is Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/>.
/// Thread-safe.
/// </summary>
public sealed class QwenTokenizer
{
    private readonly BpeTokenizer _bpe;
    private readonly Dictionary<string, int> _added;
    private readonly HashSet<int> _special;
    private readonly byte[] _tokenBytes;
    private readonly int[] _tokenOffsets;

    private QwenTokenizer(TokenizerFiles files)
    {
        _added = files.AddedTokens;
        _special = files.SpecialIds;
        ChatTemplate = files.ChatTemplate;
        var regex = new Regex(files.SplitPattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);
        _bpe = BpeTokenizer.Create(new BpeOptions(files.Vocabulary)
        {
            Merges = files.Merges,
            SpecialTokens = files.AddedTokens,
            PreTokenizer = new RegexPreTokenizer(regex, files.AddedTokens),
            Normalizer = files.Nfc ? NfcNormalizer.Instance : null,
            ByteLevel = true,
        });
        (_tokenBytes, _tokenOffsets) = BuildDecodeTable(files);
        EndOfTurnTokenIds = [.. new[] { files.EosToken, "<|im_end|>", "<|endoftext|>" }
            .Where(t => t is not null)
            .Select(t => TokenToId(t!))
            .OfType<int>()
            .Distinct()];
        PadTokenId = files.PadToken is null ? null : TokenToId(files.PadToken);
    }

    /// <summary>Number of ids the tokenizer knows (the largest id plus one).</summary>
    public int VocabularySize => _tokenOffsets.Length - 1;

    /// <summary>The Jinja chat template of <c>tokenizer_config.json</c> or <c>chat_template.jinja</c>, if any.</summary>
    public string? ChatTemplate { get; }

    /// <summary>Tokens that end an assistant turn (<c>eos_token</c>, <c>&lt;|im_end|&gt;</c>, <c>&lt;|endoftext|&gt;</c>).</summary>
    public IReadOnlyList<int> EndOfTurnTokenIds { get; }

    /// <summary>The padding token, if the config names one.</summary>
    public int? PadTokenId { get; }

    /// <summary>The underlying Microsoft.ML.Tokenizers tokenizer, for APIs that take one.</summary>
    public Tokenizer InnerTokenizer => _bpe;

    /// <summary>Loads <c>tokenizer.json</c>, <c>tokenizer_config.json</c> and, if present, <c>chat_template.jinja</c> from a folder.</summary>
    /// <param name="folder">The model folder.</param>
    /// <exception cref="InvalidModelException">A file is missing or malformed.</exception>
    public static QwenTokenizer FromFolder(string folder)
    {
        string json = Path.Combine(folder, "tokenizer.json");
        string config = Path.Combine(folder, "tokenizer_config.json");
        string jinja = Path.Combine(folder, "chat_template.jinja");
        foreach (string required in new[] { json, config })
        {
            if (!File.Exists(required))
            {
                throw new InvalidModelException(folder, $"{Path.GetFileName(required)} is missing. Copy the tokenizer files of the original Hugging Face model into the folder.");
            }
        }

        try
        {
            using FileStream jsonStream = File.OpenRead(json);
            using FileStream configStream = File.OpenRead(config);
            return FromStreams(jsonStream, configStream, File.Exists(jinja) ? File.ReadAllText(jinja) : null);
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidModelException(folder, $"the tokenizer files cannot be read ({e.Message}). Replace them with the original model's files.", e);
        }
    }

    /// <summary>Loads a tokenizer from the contents of its files.</summary>
    /// <param name="tokenizerJson">The <c>tokenizer.json</c> contents.</param>
    /// <param name="tokenizerConfigJson">The <c>tokenizer_config.json</c> contents, if any.</param>
    /// <param name="chatTemplate">A chat template that overrides the config's.</param>
    public static QwenTokenizer FromStreams(Stream tokenizerJson, Stream? tokenizerConfigJson = null, string? chatTemplate = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizerJson);
        return new QwenTokenizer(TokenizerFiles.Read(tokenizerJson, tokenizerConfigJson, chatTemplate));
    }

    /// <summary>Encodes raw text (no chat template). Special tokens written in the text, such as <c>&lt;|im_start|&gt;</c>, become their ids.</summary>
    /// <param name="text">The text.</param>
    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return _bpe.EncodeToIds(text);
    }

    /// <summary>Counts the tokens of raw text without keeping them.</summary>
    /// <param name="text">The text.</param>
    public int CountTokens(string text) => _bpe.CountTokens(text);

    /// <summary>The id of a vocabulary entry or added token, or <see langword="null"/>.</summary>
    /// <param name="token">The token as written in tokenizer.json (byte-level alphabet for regular tokens).</param>
    public int? TokenToId(string token) =>
        _added.TryGetValue(token, out int id) ? id : _bpe.Vocabulary.TryGetValue(token, out id) ? id : null;

    /// <summary>Whether the id is a special token (skipped by <see cref="Decode"/> when asked).</summary>
    /// <param name="id">The token id.</param>
    public bool IsSpecial(int id) => _special.Contains(id);

    /// <summary>Decodes ids to text; bytes that do not form valid UTF-8 become U+FFFD, as in Hugging Face.</summary>
    /// <param name="ids">Token ids.</param>
    /// <param name="skipSpecialTokens">Leave out special tokens such as <c>&lt;|im_end|&gt;</c>.</param>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        var decoder = new TokenStreamDecoder(this, skipSpecialTokens);
        var text = new StringBuilder();
        foreach (int id in ids)
        {
            text.Append(decoder.Append(id));
        }

        return text.Append(decoder.Flush()).ToString();
    }

    /// <summary>A decoder for a stream of generated tokens that emits only complete characters.</summary>
    /// <param name="skipSpecialTokens">Leave out special tokens.</param>
    public TokenStreamDecoder CreateStreamDecoder(bool skipSpecialTokens = true) => new(this, skipSpecialTokens);

    /// <summary>The UTF-8 bytes a token stands for (for byte-level tokens possibly part of a character); empty for an unknown id.</summary>
    /// <param name="id">The token id.</param>
    public ReadOnlySpan<byte> GetTokenBytes(int id) =>
        (uint)id < (uint)(_tokenOffsets.Length - 1)
            ? _tokenBytes.AsSpan(_tokenOffsets[id], _tokenOffsets[id + 1] - _tokenOffsets[id])
            : [];

    private static (byte[] Bytes, int[] Offsets) BuildDecodeTable(TokenizerFiles files)
    {
        int size = Math.Max(files.Vocabulary.Values.DefaultIfEmpty(-1).Max(), files.AddedTokens.Values.DefaultIfEmpty(-1).Max()) + 1;
        var perId = new byte[size][];
        var scratch = new List<byte>(64);
        foreach ((string token, int id) in files.Vocabulary)
        {
            scratch.Clear();
            perId[id] = ByteLevelAlphabet.TryGetBytes(token, scratch) ? [.. scratch] : Encoding.UTF8.GetBytes(token);
        }

        foreach ((string token, int id) in files.AddedTokens)
        {
            perId[id] = Encoding.UTF8.GetBytes(token);
        }

        var offsets = new int[size + 1];
        for (int i = 0; i < size; i++)
        {
            offsets[i + 1] = offsets[i] + (perId[i]?.Length ?? 0);
        }

        var bytes = new byte[offsets[size]];
        for (int i = 0; i < size; i++)
        {
            perId[i]?.CopyTo(bytes, offsets[i]);
        }

        return (bytes, offsets);
    }
}
