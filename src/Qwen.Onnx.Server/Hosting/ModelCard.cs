using System.Text.Json;
using Qwen.Onnx.Models;

namespace Qwen.Onnx.Server.Hosting;

/// <summary>What <c>/v1/models</c> says about a model beyond its id: input modalities and context length.</summary>
internal static class ModelCard
{
    public static IReadOnlyList<string> InputModalities(ModelFolder folder)
    {
        var modalities = new List<string> { "text" };
        if (folder.HasVisionEncoder)
        {
            modalities.Add("image");
            modalities.Add("video");
        }

        if (folder.HasAudioEncoder)
        {
            modalities.Add("audio");
        }

        return modalities;
    }

    /// <summary>GenAI exports state it as model.context_length, onnx-community ones as (text_config.)max_position_embeddings.</summary>
    public static int? ContextLength(string folder)
    {
        string genAi = Path.Combine(folder, "genai_config.json");
        string config = Path.Combine(folder, "config.json");
        return File.Exists(genAi) ? ReadInt(genAi, ["model", "context_length"])
            : File.Exists(config) ? ReadInt(config, ["text_config", "max_position_embeddings"]) ?? ReadInt(config, ["max_position_embeddings"])
            : null;
    }

    private static int? ReadInt(string file, string[] path)
    {
        // The engine has already parsed and validated this file; a value that is missing here is simply not advertised.
        using var doc = JsonDocument.Parse(File.ReadAllBytes(file), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        JsonElement e = doc.RootElement;
        foreach (string key in path)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(key, out e))
            {
                return null;
            }
        }

        return e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int value) ? value : null;
    }
}
