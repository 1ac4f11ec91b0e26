namespace Qwen.Onnx.Models;

/// <summary>
/// The graph files of an onnx-community export (<c>onnx/{graph}{suffix}.onnx</c>) and the choice of variant among
/// those present. Pure: the caller says which files exist (on disk, or in a Hub repository's file list), so loading a
/// folder and downloading one pick the same files.
/// </summary>
public static class OnnxGraphFiles
{
    private static readonly string[] Encoders = ["vision_encoder", "audio_encoder"];

    /// <summary>The order <see cref="OnnxGraphVariant.Auto"/> tries variants in: most exact first.</summary>
    public static IReadOnlyList<OnnxGraphVariant> AutoOrder { get; } =
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
        _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, "Auto has no suffix; resolve it with Choose."),
    };

    /// <summary>The relative path (with '/') of one variant of a graph: <c>onnx/{graph}{suffix}.onnx</c>.</summary>
    /// <param name="graph">The graph's name.</param>
    /// <param name="variant">A concrete variant.</param>
    public static string RelativePath(string graph, OnnxGraphVariant variant) => $"onnx/{graph}{Suffix(variant)}.onnx";

    /// <summary>
    /// The graphs the multimodal engine loads, given the file names in <c>onnx/</c>: <c>embed_tokens</c> and
    /// <c>decoder_model_merged</c> for split exports, else the text-only <c>model</c>; plus each encoder present.
    /// </summary>
    /// <param name="onnxFileNames">The file names (no folder) in the export's <c>onnx/</c> folder.</param>
    public static IReadOnlyList<string> GraphsToLoad(IReadOnlyCollection<string> onnxFileNames)
    {
        List<string> graphs = HasGraph(onnxFileNames, "embed_tokens") ? ["embed_tokens", "decoder_model_merged"] : ["model"];
        graphs.AddRange(Encoders.Where(g => HasGraph(onnxFileNames, g)));
        return graphs;
    }

    /// <summary>Whether any variant of a graph is among the file names (<c>{graph}*.onnx</c>).</summary>
    /// <param name="onnxFileNames">The file names in <c>onnx/</c>.</param>
    /// <param name="graph">The graph's name.</param>
    public static bool HasGraph(IEnumerable<string> onnxFileNames, string graph) =>
        onnxFileNames.Any(f => f.StartsWith(graph, StringComparison.Ordinal) && f.EndsWith(".onnx", StringComparison.Ordinal));

    /// <summary>Chooses the variant of a graph to load.</summary>
    /// <param name="graph">The graph's name: embed_tokens, vision_encoder, audio_encoder, decoder_model_merged, model.</param>
    /// <param name="wanted">The variant asked for; Auto takes the first present in <see cref="AutoOrder"/>.</param>
    /// <param name="exists">Whether a relative path (as from <see cref="RelativePath"/>) exists.</param>
    /// <returns>The chosen relative path (null when none fits) and the variants present.</returns>
    public static OnnxGraphChoice Choose(string graph, OnnxGraphVariant wanted, Func<string, bool> exists)
    {
        ArgumentNullException.ThrowIfNull(exists);
        OnnxGraphVariant[] present = [.. AutoOrder.Where(v => exists(RelativePath(graph, v)))];
        OnnxGraphVariant? chosen = wanted == OnnxGraphVariant.Auto
            ? present.Length > 0 ? present[0] : null
            : present.Contains(wanted) ? wanted : null;
        return new OnnxGraphChoice(chosen is { } v ? RelativePath(graph, v) : null, present);
    }
}

/// <summary>The outcome of <see cref="OnnxGraphFiles.Choose"/>.</summary>
/// <param name="RelativePath">The chosen graph file (with '/'), or <see langword="null"/> when the wanted variant is absent.</param>
/// <param name="Present">The variants of the graph that exist, in <see cref="OnnxGraphFiles.AutoOrder"/>.</param>
public sealed record OnnxGraphChoice(string? RelativePath, IReadOnlyList<OnnxGraphVariant> Present);
