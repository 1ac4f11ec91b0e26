using System.Text.Json;

namespace Qwen.Onnx.Tokenization;

/// <summary>What Qwen.Onnx reads from a Hugging Face <c>tokenizer.json</c> and <c>tokenizer_config.json</c>.</summary>
internal sealed class TokenizerFiles
{
    // The split of Qwen2/2.5/3 tokenizer.json, used when a file has no Split pre-tokenizer.
    private const string QwenPattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    public required Dictionary<string, int> Vocabulary { get; init; }

    public required List<string> Merges { get; init; }

    public required Dictionary<string, int> AddedTokens { get; init; }

    public required HashSet<int> SpecialIds { get; init; }

    public required string SplitPattern { get; init; }

    public required bool Nfc { get; init; }

    public string? ChatTemplate { get; init; }

    public string? EosToken { get; init; }

    public string? PadToken { get; init; }

    public static TokenizerFiles Read(Stream tokenizerJson, Stream? tokenizerConfigJson, string? chatTemplateOverride)
    {
        using var doc = JsonDocument.Parse(tokenizerJson, new JsonDocumentOptions { MaxDepth = 256 });
        JsonElement root = doc.RootElement;
        JsonElement model = root.GetProperty("model");
        string type = model.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "BPE";
        if (type != "BPE")
        {
            throw new FormatException($"tokenizer.json has a {type} model; Qwen tokenizers are BPE.");
        }

        var vocab = new Dictionary<string, int>(model.GetProperty("vocab").EnumerateObject().Count(), StringComparer.Ordinal);
        foreach (JsonProperty p in model.GetProperty("vocab").EnumerateObject())
        {
            vocab[p.Name] = p.Value.GetInt32();
        }

        var merges = new List<string>();
        foreach (JsonElement m in model.GetProperty("merges").EnumerateArray())
        {
            merges.Add(m.ValueKind == JsonValueKind.Array ? $"{m[0].GetString()} {m[1].GetString()}" : m.GetString()!);
        }

        var added = new Dictionary<string, int>(StringComparer.Ordinal);
        var special = new HashSet<int>();
        if (root.TryGetProperty("added_tokens", out JsonElement addedTokens))
        {
            foreach (JsonElement a in addedTokens.EnumerateArray())
            {
                int id = a.GetProperty("id").GetInt32();
                added[a.GetProperty("content").GetString()!] = id;
                if (a.TryGetProperty("special", out JsonElement s) && s.GetBoolean())
                {
                    special.Add(id);
                }
            }
        }

        var config = tokenizerConfigJson is null ? null : JsonDocument.Parse(tokenizerConfigJson);
        using (config)
        {
            JsonElement? cfg = config?.RootElement;
            return new TokenizerFiles
            {
                Vocabulary = vocab,
                Merges = merges,
                AddedTokens = added,
                SpecialIds = special,
                SplitPattern = FindSplitPattern(root) ?? QwenPattern,
                Nfc = root.TryGetProperty("normalizer", out JsonElement n) && n.ValueKind == JsonValueKind.Object && n.GetProperty("type").GetString() == "NFC",
                ChatTemplate = chatTemplateOverride ?? ReadChatTemplate(cfg),
                EosToken = ReadTokenString(cfg, "eos_token"),
                PadToken = ReadTokenString(cfg, "pad_token"),
            };
        }
    }

    private static string? FindSplitPattern(JsonElement root)
    {
        if (!root.TryGetProperty("pre_tokenizer", out JsonElement pre) || pre.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        IEnumerable<JsonElement> steps = pre.TryGetProperty("pretokenizers", out JsonElement list) ? list.EnumerateArray() : [pre];
        foreach (JsonElement step in steps)
        {
            if (step.GetProperty("type").GetString() == "Split" && step.GetProperty("pattern").TryGetProperty("Regex", out JsonElement regex))
            {
                return regex.GetString();
            }
        }

        return null;
    }

    private static string? ReadChatTemplate(JsonElement? cfg)
    {
        if (cfg is not JsonElement c || !c.TryGetProperty("chat_template", out JsonElement template))
        {
            return null;
        }

        if (template.ValueKind == JsonValueKind.String)
        {
            return template.GetString();
        }

        // Newer files list named templates; the "default" one is the chat template.
        return template.EnumerateArray()
            .Where(e => e.GetProperty("name").GetString() == "default")
            .Select(e => e.GetProperty("template").GetString())
            .FirstOrDefault();
    }

    private static string? ReadTokenString(JsonElement? cfg, string name)
    {
        if (cfg is not JsonElement c || !c.TryGetProperty(name, out JsonElement token))
        {
            return null;
        }

        return token.ValueKind switch
        {
            JsonValueKind.String => token.GetString(),
            JsonValueKind.Object => token.GetProperty("content").GetString(),
            _ => null,
        };
    }
}
