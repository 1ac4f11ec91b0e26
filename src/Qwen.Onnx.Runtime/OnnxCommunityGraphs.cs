using Qwen.Onnx.Models;

namespace Qwen.Onnx.Runtime;

/// <summary>Finds <c>onnx/{name}{suffix}.onnx</c> in an onnx-community model folder (the choice itself is <see cref="OnnxGraphFiles"/>).</summary>
public static class OnnxCommunityGraphs
{
    /// <summary>The path of a graph, or <see langword="null"/> when the folder has no such graph in any variant.</summary>
    /// <param name="modelFolder">The model folder (with its <c>onnx/</c> subfolder).</param>
    /// <param name="name">The graph's name: embed_tokens, vision_encoder, audio_encoder, decoder_model_merged.</param>
    /// <param name="variant">The variant wanted; Auto takes the first present in the documented order.</param>
    /// <exception cref="InvalidModelException">A specific variant was asked for and is missing.</exception>
    public static string? Find(string modelFolder, string name, OnnxGraphVariant variant = OnnxGraphVariant.Auto)
    {
        OnnxGraphChoice choice = OnnxGraphFiles.Choose(name, variant, relative => File.Exists(Path.Combine(modelFolder, relative)));
        if (choice.RelativePath is string found)
        {
            return Path.Combine(modelFolder, found);
        }

        return choice.Present.Count == 0
            ? null
            : throw new InvalidModelException(modelFolder, $"onnx/{name}{OnnxGraphFiles.Suffix(variant)}.onnx ({variant}) is missing; the folder has {string.Join(", ", choice.Present.Select(v => Path.GetFileName(OnnxGraphFiles.RelativePath(name, v))))}. Choose one of those variants.");
    }
}
