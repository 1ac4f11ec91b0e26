using System.Text.Json;

namespace Qwen.Onnx.Models;

/// <summary>What a model folder holds, found by looking at its files (no graph is loaded).</summary>
public sealed class ModelFolder
{
    private ModelFolder(string path, ModelLayout layout, string modelType, bool hasVision, bool hasAudio)
    {
        Path = path;
        Layout = layout;
        ModelType = modelType;
        HasVisionEncoder = hasVision;
        HasAudioEncoder = hasAudio;
    }

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    /// <summary>The layout the files follow.</summary>
    public ModelLayout Layout { get; }

    /// <summary>The declared model type (<c>qwen2</c>, <c>qwen3</c>, <c>qwen2_5_vl</c>, <c>qwen2_audio</c>, ...).</summary>
    public string ModelType { get; }

    /// <summary>Whether the folder has an image encoder.</summary>
    public bool HasVisionEncoder { get; }

    /// <summary>Whether the folder has an audio encoder.</summary>
    public bool HasAudioEncoder { get; }

    /// <summary>A short display name: the folder's name.</summary>
    public string Name => System.IO.Path.GetFileName(Path.TrimEnd(System.IO.Path.DirectorySeparatorChar, System.IO.Path.AltDirectorySeparatorChar));

    /// <summary>Inspects a folder.</summary>
    /// <param name="path">The model folder.</param>
    /// <exception cref="InvalidModelException">The folder does not exist or is not a Qwen ONNX export.</exception>
    public static ModelFolder Inspect(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = System.IO.Path.GetFullPath(path);
        if (!Directory.Exists(full))
        {
            throw new InvalidModelException(full, "the folder does not exist. Pass the folder that holds genai_config.json (GenAI export) or config.json and onnx/ (onnx-community export).");
        }

        string genAiConfig = System.IO.Path.Combine(full, "genai_config.json");
        if (File.Exists(genAiConfig))
        {
            string type = ReadString(full, genAiConfig, "model", "type");
            return new ModelFolder(full, ModelLayout.GenAi, type, false, false);
        }

        string config = System.IO.Path.Combine(full, "config.json");
        string onnxDir = System.IO.Path.Combine(full, "onnx");
        if (File.Exists(config) && Directory.Exists(onnxDir))
        {
            string type = ReadString(full, config, "model_type");
            return new ModelFolder(full, ModelLayout.OnnxCommunity, type, HasGraph(onnxDir, "vision_encoder"), HasGraph(onnxDir, "audio_encoder"));
        }

        throw new InvalidModelException(full, "genai_config.json is missing, and there is no config.json with an onnx/ folder either. Export the model with ONNX Runtime GenAI's model builder, or download an onnx-community export.");
    }

    private static bool HasGraph(string onnxDir, string stem) =>
        Directory.EnumerateFiles(onnxDir, stem + "*.onnx").Any();

    private static string ReadString(string folder, string file, params string[] path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(file), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            JsonElement e = doc.RootElement;
            foreach (string key in path)
            {
                if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(key, out e))
                {
                    throw new InvalidModelException(folder, $"{System.IO.Path.GetFileName(file)} has no \"{string.Join('.', path)}\". Re-export the model or restore the original file.");
                }
            }

            return e.GetString() ?? throw new InvalidModelException(folder, $"{System.IO.Path.GetFileName(file)}: \"{string.Join('.', path)}\" must be a string.");
        }
        catch (JsonException e)
        {
            throw new InvalidModelException(folder, $"{System.IO.Path.GetFileName(file)} is not valid JSON ({e.Message}). Restore the original file.", e);
        }
    }
}
