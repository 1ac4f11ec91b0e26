using System.Text.Json;

namespace Qwen.Onnx.Testing;

/// <summary>The JSON files of an onnx-community Qwen-VL folder, with the real checkpoints' keys and token ids.</summary>
internal static class OnnxCommunityConfigs
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string VisionLanguage(TinyQwenConfig c, bool qwen25 = false)
    {
        Dictionary<string, object> json = qwen25
            ? TextFields(c, "qwen2_5_vl", "Qwen2_5_VLForConditionalGeneration")
            : TextFields(c, "qwen2_vl", "Qwen2VLForConditionalGeneration");
        json["rope_scaling"] = new { type = "mrope", mrope_section = c.MropeSections };
        json["vision_start_token_id"] = 151652;
        json["vision_end_token_id"] = 151653;
        json["vision_token_id"] = 151654;
        json["image_token_id"] = 151655;
        json["video_token_id"] = 151656;
        json["vision_config"] = qwen25
            ? new { patch_size = 14, spatial_merge_size = 2, temporal_patch_size = 2, hidden_size = c.HiddenSize, tokens_per_second = 2 }
            : (object)new { patch_size = 14, spatial_merge_size = 2, temporal_patch_size = 2, hidden_size = c.HiddenSize };
        return JsonSerializer.Serialize(json, Indented);
    }

    public static string Text(TinyQwenConfig c) => JsonSerializer.Serialize(TextFields(c, "qwen2", "Qwen2ForCausalLM"), Indented);

    public static string Qwen2VlPreprocessor() => JsonSerializer.Serialize(
        new Dictionary<string, object>
        {
            ["image_processor_type"] = "Qwen2VLImageProcessor",
            ["do_resize"] = true,
            ["do_rescale"] = true,
            ["do_normalize"] = true,
            ["do_convert_rgb"] = true,
            ["resample"] = 3,
            ["rescale_factor"] = 0.00392156862745098,
            ["image_mean"] = new[] { 0.48145466, 0.4578275, 0.40821073 },
            ["image_std"] = new[] { 0.26862954, 0.26130258, 0.27577711 },
            ["min_pixels"] = 3136,
            ["max_pixels"] = 12845056,
            ["patch_size"] = 14,
            ["temporal_patch_size"] = 2,
            ["merge_size"] = 2,
        },
        Indented);

    public static string AudioLanguage(TinyQwenConfig c) => JsonSerializer.Serialize(
        new Dictionary<string, object>
        {
            ["model_type"] = "qwen2_audio",
            ["architectures"] = new[] { "Qwen2AudioForConditionalGeneration" },
            ["audio_token_index"] = 151646,
            ["hidden_size"] = c.HiddenSize,
            ["vocab_size"] = c.VocabSize,
            ["text_config"] = new
            {
                model_type = "qwen2",
                hidden_size = c.HiddenSize,
                intermediate_size = c.IntermediateSize,
                num_attention_heads = c.NumAttentionHeads,
                num_key_value_heads = c.NumKeyValueHeads,
                num_hidden_layers = c.NumLayers,
                vocab_size = c.VocabSize,
                max_position_embeddings = c.ContextLength,
                rope_theta = c.RopeTheta,
            },
            ["audio_config"] = new { model_type = "qwen2_audio_encoder", num_mel_bins = 128, max_source_positions = 1500, d_model = c.HiddenSize },
        },
        Indented);

    public static string WhisperPreprocessor() => JsonSerializer.Serialize(
        new Dictionary<string, object>
        {
            ["feature_extractor_type"] = "WhisperFeatureExtractor",
            ["feature_size"] = 128,
            ["sampling_rate"] = 16000,
            ["hop_length"] = 160,
            ["n_fft"] = 400,
            ["chunk_length"] = 30,
            ["n_samples"] = 480000,
            ["nb_max_frames"] = 3000,
            ["padding_side"] = "right",
            ["padding_value"] = 0.0,
            ["return_attention_mask"] = true,
        },
        Indented);

    /// <summary>The language model's keys, shared by the text and vision-language configs.</summary>
    private static Dictionary<string, object> TextFields(TinyQwenConfig c, string modelType, string architecture) => new()
    {
        ["model_type"] = modelType,
        ["architectures"] = new[] { architecture },
        ["hidden_size"] = c.HiddenSize,
        ["intermediate_size"] = c.IntermediateSize,
        ["num_attention_heads"] = c.NumAttentionHeads,
        ["num_key_value_heads"] = c.NumKeyValueHeads,
        ["num_hidden_layers"] = c.NumLayers,
        ["vocab_size"] = c.VocabSize,
        ["max_position_embeddings"] = c.ContextLength,
        ["rope_theta"] = c.RopeTheta,
        ["bos_token_id"] = 151643,
        ["eos_token_id"] = 151645,
    };

    public static string Omni(TinyQwenConfig c)
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(VisionLanguage(c))!.AsObject();
        json["model_type"] = "qwen2_5_omni_thinker";
        json["audio_token_index"] = 151646;
        return json.ToJsonString(Indented);
    }

    public static string OmniPreprocessor()
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(Qwen2VlPreprocessor())!.AsObject();
        foreach ((string key, System.Text.Json.Nodes.JsonNode? value) in System.Text.Json.Nodes.JsonNode.Parse(WhisperPreprocessor())!.AsObject())
        {
            json[key] = value?.DeepClone();
        }

        return json.ToJsonString(Indented);
    }

    public static string Generation() => JsonSerializer.Serialize(
        new { bos_token_id = 151643, eos_token_id = new[] { 151645, 151643 }, pad_token_id = 151643 },
        Indented);
}
