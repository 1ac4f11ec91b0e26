using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Qwen.Onnx.Testing.Onnx;
using Qwen.Onnx.Testing.Tokenizer;

namespace Qwen.Onnx.Testing;

/// <summary>
/// Builds tiny random-weight Qwen models that load and run exactly like real exports, for tests and demos.
/// The weights are random, so the text is gibberish, but token ids are deterministic for a seed.
/// </summary>
public static class TinyModelFactory
{
    // Bump when the graphs or files change, so cached models are rebuilt.
    private const int FormatVersion = 1;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The default cache folder: <c>QWEN_ONNX_CACHE</c>, else the user's local application data.</summary>
    public static string DefaultCacheFolder =>
        Environment.GetEnvironmentVariable("QWEN_ONNX_CACHE") is { Length: > 0 } custom
            ? custom
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "qwen-onnx", "tiny-models");

    /// <summary>
    /// Writes a text model in ONNX Runtime GenAI layout: <c>genai_config.json</c>, <c>model.onnx</c>,
    /// <c>tokenizer.json</c>, <c>tokenizer_config.json</c>.
    /// </summary>
    /// <param name="folder">The destination; created if missing, files overwritten.</param>
    /// <param name="config">Shape and seed; <see langword="null"/> for the defaults.</param>
    public static void WriteTextModel(string folder, TinyQwenConfig? config = null)
    {
        config ??= new TinyQwenConfig();
        config.Validate();
        Directory.CreateDirectory(folder);
        QwenTokenizerAssets.WriteTo(folder);
        using (FileStream model = File.Create(Path.Combine(folder, "model.onnx")))
        {
            DecoderGraph.BuildTextDecoder(config).WriteTo(model);
        }

        File.WriteAllText(Path.Combine(folder, "genai_config.json"), GenAiConfig(config));
    }

    /// <summary>Returns the folder of a cached text model, building it first if needed. Safe across processes.</summary>
    /// <param name="config">Shape and seed; <see langword="null"/> for the defaults.</param>
    /// <param name="cacheFolder">Where models are cached; <see langword="null"/> for <see cref="DefaultCacheFolder"/>.</param>
    public static string GetOrCreateTextModel(TinyQwenConfig? config = null, string? cacheFolder = null)
    {
        config ??= new TinyQwenConfig();
        string folder = Path.Combine(cacheFolder ?? DefaultCacheFolder, "text-" + Key(config));
        if (File.Exists(Path.Combine(folder, "genai_config.json")))
        {
            return folder;
        }

        // Build beside the target and move it in whole, so a reader never sees a half-written model.
        string staging = folder + ".tmp-" + Guid.NewGuid().ToString("N");
        WriteTextModel(staging, config);
        try
        {
            Directory.Move(staging, folder);
        }
        catch (IOException) when (File.Exists(Path.Combine(folder, "genai_config.json")))
        {
            Directory.Delete(staging, recursive: true);
        }

        return folder;
    }

    private static string Key(TinyQwenConfig config)
    {
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{FormatVersion}|{config}"));
        return Convert.ToHexStringLower(hash)[..12];
    }

    private static string GenAiConfig(TinyQwenConfig c)
    {
        var json = new
        {
            model = new
            {
                type = "qwen2",
                vocab_size = c.VocabSize,
                context_length = c.ContextLength,
                bos_token_id = 151643,
                eos_token_id = new[] { 151645, 151643 },
                pad_token_id = 151643,
                decoder = new
                {
                    filename = "model.onnx",
                    head_size = c.HeadSize,
                    hidden_size = c.HiddenSize,
                    num_attention_heads = c.NumAttentionHeads,
                    num_key_value_heads = c.NumKeyValueHeads,
                    num_hidden_layers = c.NumLayers,
                },
            },
            search = new { max_length = c.ContextLength, past_present_share_buffer = false },
        };
        return JsonSerializer.Serialize(json, Indented);
    }
}
