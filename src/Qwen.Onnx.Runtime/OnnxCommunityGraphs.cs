namespace Qwen.Onnx.Runtime;

/// <summary>Finds <c>onnx/{name}{suffix}.onnx</c> in an onnx-community model folder.</summary>
public static class OnnxCommunityGraphs
{
    private static readonly OnnxGraphVariant[] AutoOrder =
    [
        OnnxGraphVariant.Fp32, OnnxGraphVariant.Q8, OnnxGraphVariant.Q4, OnnxGraphVariant.Int8,
        OnnxGraphVariant.Uint8, OnnxGraphVariant.Q4F16, OnnxGraphVariant.Fp16, OnnxGraphVariant.Bnb4,
    ];

    /// <summary>The file-name suffix of a variant.</summary>
    /// <param name="variant">A concrete variant (not <see cref="OnnxGraphVariant.Auto"/>).</param>
    public static string Suffix(OnnxGraphVariant variant) => variant switch
    {
        OnnxGraphVariant.Fp32 => "",
        OnnxGraphVariant.Fp16 => "_fp16",
        OnnxGraphVariant.Q8 => "_quantized",
        OnnxGraphVariant.Q4 => "_q4",
        OnnxGraphVariant.Q4F16 => "_q4f16",
        OnnxGraphVariant.Int8 => "_int8",
        OnnxGraphVariant.Uint8 => "_uint8",
        OnnxGraphVariant.Bnb4 => "_bnb4",
        _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, "Auto has no suffix; resolve it with Find."),
    };

    /// <summary>The path of a graph, or <see langword="null"/> when the folder has no such graph in any variant.</summary>
    /// <param name="modelFolder">The model folder (with its <c>onnx/</c> subfolder).</param>
    /// <param name="name">The graph's name: embed_tokens, vision_encoder, audio_encoder, decoder_model_merged.</param>
    /// <param name="variant">The variant wanted; Auto takes the first present in the documented order.</param>
    /// <exception cref="InvalidModelException">A specific variant was asked for and is missing.</exception>
    public static string? Find(string modelFolder, string name, OnnxGraphVariant variant = OnnxGraphVariant.Auto)
    {
        string onnx = Path.Combine(modelFolder, "onnx");
        string PathOf(OnnxGraphVariant v) => Path.Combine(onnx, name + Suffix(v) + ".onnx");
        if (variant != OnnxGraphVariant.Auto)
        {
            string wanted = PathOf(variant);
            if (File.Exists(wanted))
            {
                return wanted;
            }

            string[] present = [.. AutoOrder.Where(v => File.Exists(PathOf(v))).Select(v => Path.GetFileName(PathOf(v)))];
            return present.Length == 0
                ? null
                : throw new InvalidModelException(modelFolder, $"onnx/{Path.GetFileName(wanted)} ({variant}) is missing; the folder has {string.Join(", ", present)}. Choose one of those variants.");
        }

        return AutoOrder.Select(PathOf).FirstOrDefault(File.Exists);
    }
}
