using System.Text.Json;

namespace Qwen.Onnx.Multimodal;

/// <summary>The facts of an onnx-community <c>config.json</c> the engine needs: token ids, merge size, context length.</summary>
internal sealed record MultimodalModelConfig(
    string ModelType,
    int ImageTokenId,
    int VideoTokenId,
    int AudioTokenId,
    int MergeSize,
    double TokensPerSecond,
    int ContextLength)
{
    public static MultimodalModelConfig Read(string folder)
    {
        string path = Path.Combine(folder, "config.json");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            JsonElement root = doc.RootElement;
            JsonElement vision = root.TryGetProperty("vision_config", out JsonElement v) ? v : default;
            JsonElement text = root.TryGetProperty("text_config", out JsonElement t) ? t : root;
            return new MultimodalModelConfig(
                root.GetProperty("model_type").GetString() ?? "",
                Int(root, "image_token_id") ?? 151655,
                Int(root, "video_token_id") ?? 151656,
                Int(root, "audio_token_index") ?? 151646,
                Int(vision, "spatial_merge_size") ?? 2,
                vision.ValueKind == JsonValueKind.Object && vision.TryGetProperty("tokens_per_second", out JsonElement tps) ? tps.GetDouble() : 2.0,
                Int(text, "max_position_embeddings") ?? Int(root, "max_position_embeddings") ?? 32768);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IOException)
        {
            throw new InvalidModelException(folder, $"config.json is missing or malformed ({e.Message}). Restore the export's file.", e);
        }
    }

    private static int? Int(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;
}
