using System.Text.Json;

namespace Qwen.Onnx.Testing.Gguf;

/// <summary>GGUF token types (llama.cpp's llama_token_type).</summary>
internal enum GgufTokenType
{
    /// <summary>A byte-level BPE token.</summary>
    Normal = 1,

    /// <summary>A special token: never produced by tokenizing plain text, hidden when detokenizing.</summary>
    Control = 3,

    /// <summary>An added token that is not special: matched as a whole in text.</summary>
    UserDefined = 4,

    /// <summary>A padding row of the embedding with no token behind it.</summary>
    Unused = 5,
}

/// <summary>
/// A Hugging Face byte-level BPE tokenizer as llama.cpp's converter writes it for a "gpt2" vocabulary: one token per
/// embedding row (rows without a token become "[PAD{id}]", unused), added tokens typed control when marked special or
/// shaped like &lt;|…|&gt; and user-defined otherwise, the merges as "left right" strings, and the special ids from
/// tokenizer_config.json (a null bos_token falls back to config.json's bos_token_id, as the converter's does).
/// </summary>
internal sealed record GgufVocabulary(
    IReadOnlyList<string> Tokens,
    IReadOnlyList<int> TokenTypes,
    IReadOnlyList<string> Merges,
    int BosTokenId,
    int EosTokenId,
    int PaddingTokenId,
    bool AddBosToken,
    string ChatTemplate)
{
    /// <summary>Reads tokenizer.json and tokenizer_config.json from a folder, padded to <paramref name="rows"/> tokens.</summary>
    public static GgufVocabulary Read(string folder, int rows, int configBosTokenId)
    {
        using JsonDocument tokenizer = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "tokenizer.json")));
        using JsonDocument config = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "tokenizer_config.json")));
        JsonElement model = tokenizer.RootElement.GetProperty("model");
        var tokens = new string?[rows];
        var types = new int[rows];
        foreach (JsonProperty entry in model.GetProperty("vocab").EnumerateObject())
        {
            tokens[entry.Value.GetInt32()] = entry.Name;
            types[entry.Value.GetInt32()] = (int)GgufTokenType.Normal;
        }

        var ids = new Dictionary<string, int>();
        foreach (JsonElement added in tokenizer.RootElement.GetProperty("added_tokens").EnumerateArray())
        {
            int id = added.GetProperty("id").GetInt32();
            string content = added.GetProperty("content").GetString()!;
            tokens[id] = content;
            ids[content] = id;
            types[id] = (int)(added.GetProperty("special").GetBoolean() || LooksSpecial(content) ? GgufTokenType.Control : GgufTokenType.UserDefined);
        }

        for (int i = 0; i < rows; i++)
        {
            if (tokens[i] is null)
            {
                tokens[i] = $"[PAD{i}]";
                types[i] = (int)GgufTokenType.Unused;
            }
        }

        JsonElement settings = config.RootElement;
        return new GgufVocabulary(
            tokens!,
            types,
            ReadMerges(model.GetProperty("merges")),
            SpecialId(settings, "bos_token", ids) ?? configBosTokenId,
            SpecialId(settings, "eos_token", ids) ?? throw new InvalidDataException("tokenizer_config.json has no eos_token."),
            SpecialId(settings, "pad_token", ids) ?? throw new InvalidDataException("tokenizer_config.json has no pad_token."),
            settings.TryGetProperty("add_bos_token", out JsonElement addBos) && addBos.ValueKind == JsonValueKind.True,
            settings.GetProperty("chat_template").GetString()!);
    }

    /// <summary>The converter's rule for added tokens a tokenizer forgot to mark special.</summary>
    private static bool LooksSpecial(string token) => token.StartsWith("<|", StringComparison.Ordinal) && token.EndsWith("|>", StringComparison.Ordinal);

    /// <summary>Merges are "a b" strings in older tokenizer.json files and [a, b] pairs in newer ones; GGUF wants strings.</summary>
    private static string[] ReadMerges(JsonElement merges) =>
    [
        .. merges.EnumerateArray().Select(m => m.ValueKind == JsonValueKind.String ? m.GetString()! : $"{m[0].GetString()} {m[1].GetString()}"),
    ];

    private static int? SpecialId(JsonElement config, string key, Dictionary<string, int> ids)
    {
        if (!config.TryGetProperty(key, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        string content = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetProperty("content").GetString()!;
        return ids.TryGetValue(content, out int id) ? id : throw new InvalidDataException($"tokenizer_config.json's {key} {content} is not an added token.");
    }
}
