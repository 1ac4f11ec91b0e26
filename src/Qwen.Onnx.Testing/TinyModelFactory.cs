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
    // Cached models are keyed by the factory's own code: in a deterministic build the module version id is a hash of
    // this assembly's content (graph builders and vendored tokenizer included), so any change to them rebuilds the
    // models, with no version number to remember to bump.
    private static readonly Guid FactoryCode = typeof(TinyModelFactory).Assembly.ManifestModule.ModuleVersionId;

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
        Save(DecoderGraph.BuildTextDecoder(config), Path.Combine(folder, "model.onnx"));

        File.WriteAllText(Path.Combine(folder, "genai_config.json"), GenAiConfig(config));
    }

    /// <summary>
    /// Writes a text model in the onnx-community (transformers.js) layout: <c>config.json</c>,
    /// <c>generation_config.json</c>, tokenizer files with the chat template, and <c>onnx/model.onnx</c> — the same
    /// decoder on <c>input_ids</c> as <see cref="WriteTextModel"/> writes, so both layouts give the same tokens.
    /// </summary>
    /// <param name="folder">The destination; created if missing, files overwritten.</param>
    /// <param name="config">Shape and seed; <see langword="null"/> for the defaults.</param>
    public static void WriteOnnxCommunityTextModel(string folder, TinyQwenConfig? config = null)
    {
        config ??= new TinyQwenConfig();
        config.Validate();
        string onnx = Path.Combine(folder, "onnx");
        Directory.CreateDirectory(onnx);
        QwenTokenizerAssets.WriteTo(folder);
        Save(DecoderGraph.BuildTextDecoder(config), Path.Combine(onnx, "model.onnx"));
        File.WriteAllText(Path.Combine(folder, "generation_config.json"), OnnxCommunityConfigs.Generation());
        File.WriteAllText(Path.Combine(folder, "config.json"), OnnxCommunityConfigs.Text(config));
    }

    /// <summary>
    /// Writes a Qwen2-VL-style model in the onnx-community layout: <c>config.json</c>, <c>preprocessor_config.json</c>,
    /// <c>generation_config.json</c>, tokenizer files and <c>onnx/embed_tokens.onnx</c>, <c>onnx/vision_encoder.onnx</c>
    /// (inputs <c>pixel_values</c>, <c>grid_thw</c>), <c>onnx/decoder_model_merged.onnx</c> (<c>inputs_embeds</c>,
    /// <c>position_ids</c> [3,B,S]), and float16 twins of all three (<c>*_fp16.onnx</c>: float16 I/O and KV cache).
    /// </summary>
    /// <param name="folder">The destination; created if missing, files overwritten.</param>
    /// <param name="config">Shape and seed; <see langword="null"/> for the defaults.</param>
    public static void WriteVisionLanguageModel(string folder, TinyQwenConfig? config = null) => WriteVisionLanguageModel(folder, config, qwen25: false);

    /// <summary>
    /// Writes a Qwen2.5-VL-style model: the graphs and files of <see cref="WriteVisionLanguageModel(string, TinyQwenConfig?)"/>
    /// with <c>config.json</c> of <c>model_type</c> <c>qwen2_5_vl</c> (tool-capable template, video time scaling,
    /// <c>tokens_per_second</c> 2).
    /// </summary>
    /// <param name="folder">The destination; created if missing, files overwritten.</param>
    /// <param name="config">Shape and seed; <see langword="null"/> for the defaults.</param>
    public static void WriteQwen25VisionLanguageModel(string folder, TinyQwenConfig? config = null) => WriteVisionLanguageModel(folder, config, qwen25: true);

    private static void WriteVisionLanguageModel(string folder, TinyQwenConfig? config, bool qwen25)
    {
        config ??= new TinyQwenConfig();
        config.Validate();
        string onnx = Path.Combine(folder, "onnx");
        Directory.CreateDirectory(onnx);
        QwenTokenizerAssets.WriteTo(folder);
        (var embed, var decoder) = DecoderGraph.BuildSplit(config, [.. config.MropeSections]);
        Save(embed, Path.Combine(onnx, "embed_tokens.onnx"));
        Save(decoder, Path.Combine(onnx, "decoder_model_merged.onnx"));
        Save(VisionEncoderGraph.Build(config, patchSize: 14, gridInputName: "grid_thw"), Path.Combine(onnx, "vision_encoder.onnx"));
        Save(VisionEncoderGraph.Build(config, patchSize: 14, gridInputName: "grid_thw", halfPrecision: true), Path.Combine(onnx, "vision_encoder_fp16.onnx"));
        (var embedHalf, var decoderHalf) = DecoderGraph.BuildSplit(config, [.. config.MropeSections], halfPrecision: true);
        Save(embedHalf, Path.Combine(onnx, "embed_tokens_fp16.onnx"));
        Save(decoderHalf, Path.Combine(onnx, "decoder_model_merged_fp16.onnx"));
        File.WriteAllText(Path.Combine(folder, "config.json"), OnnxCommunityConfigs.VisionLanguage(config, qwen25));
        File.WriteAllText(Path.Combine(folder, "preprocessor_config.json"), OnnxCommunityConfigs.Qwen2VlPreprocessor());
        File.WriteAllText(Path.Combine(folder, "generation_config.json"), OnnxCommunityConfigs.Generation());
    }

    /// <summary>
    /// Writes a Qwen2-Audio-style model in this project's audio layout (models/README.md): <c>config.json</c>
    /// (<c>qwen2_audio</c>, <c>audio_token_index</c> 151646), Whisper <c>preprocessor_config.json</c>, the tokenizer with
    /// <c>&lt;|AUDIO|&gt;</c>, <c>&lt;|audio_bos|&gt;</c>, <c>&lt;|audio_eos|&gt;</c> at 151646–151648, and
    /// <c>onnx/audio_encoder.onnx</c>, <c>onnx/embed_tokens.onnx</c>, <c>onnx/decoder_model_merged.onnx</c> (1-D positions).
    /// </summary>
    /// <param name="folder">The destination; created if missing, files overwritten.</param>
    /// <param name="config">Shape and seed; <see langword="null"/> for the defaults.</param>
    public static void WriteAudioLanguageModel(string folder, TinyQwenConfig? config = null)
    {
        config ??= new TinyQwenConfig();
        config.Validate();
        string onnx = Path.Combine(folder, "onnx");
        Directory.CreateDirectory(onnx);
        QwenTokenizerAssets.WriteTo(folder, QwenTokenizerAssets.AudioTokenRenames);
        (var embed, var decoder) = DecoderGraph.BuildSplit(config, mropeSections: null);
        Save(embed, Path.Combine(onnx, "embed_tokens.onnx"));
        Save(decoder, Path.Combine(onnx, "decoder_model_merged.onnx"));
        Save(AudioEncoderGraph.Build(config), Path.Combine(onnx, "audio_encoder.onnx"));
        File.WriteAllText(Path.Combine(folder, "config.json"), OnnxCommunityConfigs.AudioLanguage(config));
        File.WriteAllText(Path.Combine(folder, "preprocessor_config.json"), OnnxCommunityConfigs.WhisperPreprocessor());
        File.WriteAllText(Path.Combine(folder, "generation_config.json"), OnnxCommunityConfigs.Generation());
    }

    /// <summary>
    /// Writes a model with both encoders (in the spirit of Qwen2.5-Omni's thinker): the VL layout plus
    /// <c>onnx/audio_encoder.onnx</c>, the audio tokens of <see cref="WriteAudioLanguageModel"/>, and one
    /// <c>preprocessor_config.json</c> holding both the image and the Whisper parameters.
    /// </summary>
    /// <param name="folder">The destination; created if missing, files overwritten.</param>
    /// <param name="config">Shape and seed; <see langword="null"/> for the defaults.</param>
    public static void WriteOmniModel(string folder, TinyQwenConfig? config = null)
    {
        config ??= new TinyQwenConfig();
        WriteVisionLanguageModel(folder, config);
        QwenTokenizerAssets.WriteTo(folder, QwenTokenizerAssets.AudioTokenRenames);
        Save(AudioEncoderGraph.Build(config), Path.Combine(folder, "onnx", "audio_encoder.onnx"));
        File.WriteAllText(Path.Combine(folder, "config.json"), OnnxCommunityConfigs.Omni(config));
        File.WriteAllText(Path.Combine(folder, "preprocessor_config.json"), OnnxCommunityConfigs.OmniPreprocessor());
    }

    /// <summary>Returns the folder of a cached model with both encoders, building it first if needed.</summary>
    /// <param name="config">Shape and seed; <see langword="null"/> for the defaults.</param>
    /// <param name="cacheFolder">Where models are cached; <see langword="null"/> for <see cref="DefaultCacheFolder"/>.</param>
    public static string GetOrCreateOmniModel(TinyQwenConfig? config = null, string? cacheFolder = null) =>
        GetOrCreate("omni", "preprocessor_config.json", WriteOmniModel, config, cacheFolder);

    /// <summary>Returns the folder of a cached audio-language model, building it first if needed. Safe across processes.</summary>
    /// <param name="config">Shape and seed; <see langword="null"/> for the defaults.</param>
    /// <param name="cacheFolder">Where models are cached; <see langword="null"/> for <see cref="DefaultCacheFolder"/>.</param>
    public static string GetOrCreateAudioLanguageModel(TinyQwenConfig? config = null, string? cacheFolder = null) =>
        GetOrCreate("audio", "config.json", WriteAudioLanguageModel, config, cacheFolder);

    /// <summary>Returns the folder of a cached onnx-community text model, building it first if needed. Safe across processes.</summary>
    /// <param name="config">Shape and seed; <see langword="null"/> for the defaults.</param>
    /// <param name="cacheFolder">Where models are cached; <see langword="null"/> for <see cref="DefaultCacheFolder"/>.</param>
    public static string GetOrCreateOnnxCommunityTextModel(TinyQwenConfig? config = null, string? cacheFolder = null) =>
        GetOrCreate("text-oc", "config.json", WriteOnnxCommunityTextModel, config, cacheFolder);

    /// <summary>Returns the folder of a cached text model, building it first if needed. Safe across processes.</summary>
    /// <param name="config">Shape and seed; <see langword="null"/> for the defaults.</param>
    /// <param name="cacheFolder">Where models are cached; <see langword="null"/> for <see cref="DefaultCacheFolder"/>.</param>
    public static string GetOrCreateTextModel(TinyQwenConfig? config = null, string? cacheFolder = null) =>
        GetOrCreate("text", "genai_config.json", WriteTextModel, config, cacheFolder);

    /// <summary>Returns the folder of a cached vision-language model, building it first if needed. Safe across processes.</summary>
    /// <param name="config">Shape and seed; <see langword="null"/> for the defaults.</param>
    /// <param name="cacheFolder">Where models are cached; <see langword="null"/> for <see cref="DefaultCacheFolder"/>.</param>
    public static string GetOrCreateVisionLanguageModel(TinyQwenConfig? config = null, string? cacheFolder = null) =>
        GetOrCreate("vl", "config.json", WriteVisionLanguageModel, config, cacheFolder);

    /// <summary>Returns the folder of a cached Qwen2.5-VL-style model, building it first if needed. Safe across processes.</summary>
    /// <param name="config">Shape and seed; <see langword="null"/> for the defaults.</param>
    /// <param name="cacheFolder">Where models are cached; <see langword="null"/> for <see cref="DefaultCacheFolder"/>.</param>
    public static string GetOrCreateQwen25VisionLanguageModel(TinyQwenConfig? config = null, string? cacheFolder = null) =>
        GetOrCreate("vl25", "config.json", WriteQwen25VisionLanguageModel, config, cacheFolder);

    private static string GetOrCreate(string kind, string lastFile, Action<string, TinyQwenConfig?> write, TinyQwenConfig? config, string? cacheFolder)
    {
        config ??= new TinyQwenConfig();
        string folder = Path.Combine(cacheFolder ?? DefaultCacheFolder, kind + "-" + Key(config));
        if (File.Exists(Path.Combine(folder, lastFile)))
        {
            return folder;
        }

        // Build beside the target and move it in whole, so a reader never sees a half-written model.
        string staging = folder + ".tmp-" + Guid.NewGuid().ToString("N");
        write(staging, config);
        try
        {
            Directory.Move(staging, folder);
        }
        catch (IOException) when (File.Exists(Path.Combine(folder, lastFile)))
        {
            Directory.Delete(staging, recursive: true);
        }

        return folder;
    }

    internal static void Save(global::Onnx.ModelProto model, string path)
    {
        using FileStream file = File.Create(path);
        model.WriteTo(file);
    }

    private static string Key(TinyQwenConfig config)
    {
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{FactoryCode:N}|{config}"));
        return Convert.ToHexStringLower(hash)[..12];
    }

    internal static string GenAiConfig(TinyQwenConfig c)
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
