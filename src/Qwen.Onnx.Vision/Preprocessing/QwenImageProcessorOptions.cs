using System.Text.Json;

namespace Qwen.Onnx.Vision.Preprocessing;

/// <summary>
/// The image-processing parameters of a Qwen-VL checkpoint (its <c>preprocessor_config.json</c>). Defaults are
/// Qwen2-VL/Qwen2.5-VL's hub values; <see cref="Qwen3Vl"/> gives Qwen3-VL's.
/// </summary>
public sealed record QwenImageProcessorOptions
{
    /// <summary>Qwen2-VL / Qwen2.5-VL: patch 14, CLIP mean and std, 3136 to 12845056 pixels.</summary>
    public static QwenImageProcessorOptions Qwen2Vl { get; } = new();

    /// <summary>Qwen3-VL: patch 16, mean and std 0.5, 65536 to 16777216 pixels.</summary>
    public static QwenImageProcessorOptions Qwen3Vl { get; } = new()
    {
        PatchSize = 16,
        MinPixels = 65536,
        MaxPixels = 16777216,
        ImageMean = [0.5f, 0.5f, 0.5f],
        ImageStd = [0.5f, 0.5f, 0.5f],
    };

    /// <summary>Side of a square patch in pixels (14 or 16).</summary>
    public int PatchSize { get; init; } = 14;

    /// <summary>Frames per temporal patch; a still image is repeated to fill it.</summary>
    public int TemporalPatchSize { get; init; } = 2;

    /// <summary>Patches merged per side into one token (2).</summary>
    public int MergeSize { get; init; } = 2;

    /// <summary>Smallest area after resizing.</summary>
    public long MinPixels { get; init; } = 3136;

    /// <summary>Largest area after resizing; lower it to spend fewer image tokens.</summary>
    public long MaxPixels { get; init; } = 12845056;

    /// <summary>Smallest frame area of videos after resizing (Qwen2-VL's video processor: 128 × 28 × 28).</summary>
    public long VideoMinPixels { get; init; } = 100352;

    /// <summary>Largest frame area of videos after resizing (Qwen2-VL's video processor: 768 × 28 × 28).</summary>
    public long VideoMaxPixels { get; init; } = 602112;

    /// <summary>
    /// The pixel budget of a whole video (qwen-vl-utils' 24576 × 28 × 28): long videos get smaller frames so that
    /// frames × area stays near it, never below 1.05 × the minimum frame area.
    /// </summary>
    public long VideoMaxTotalPixels { get; init; } = 19267584;

    /// <summary>Multiplier that maps 0..255 to 0..1.</summary>
    public double RescaleFactor { get; init; } = 1.0 / 255.0;

    /// <summary>Per-channel mean (RGB) subtracted after rescaling.</summary>
    public IReadOnlyList<float> ImageMean { get; init; } = [0.48145466f, 0.4578275f, 0.40821073f];

    /// <summary>Per-channel standard deviation (RGB) divided by after subtracting the mean.</summary>
    public IReadOnlyList<float> ImageStd { get; init; } = [0.26862954f, 0.26130258f, 0.27577711f];

    /// <summary>Patch size × merge size: the multiple both resized sides must be.</summary>
    public int Factor => PatchSize * MergeSize;

    /// <summary>Floats per row of <c>pixel_values</c>: 3 × temporal × patch × patch.</summary>
    public int PatchLength => 3 * TemporalPatchSize * PatchSize * PatchSize;

    /// <summary>
    /// The parameters of a model folder: the family's defaults by <c>config.json</c>'s <c>model_type</c>
    /// (qwen3_vl → <see cref="Qwen3Vl"/>, else <see cref="Qwen2Vl"/>), overridden by <c>preprocessor_config.json</c>.
    /// </summary>
    /// <param name="modelFolder">The model folder.</param>
    /// <exception cref="InvalidModelException">The folder has no preprocessor_config.json or it is malformed.</exception>
    public static QwenImageProcessorOptions FromModelFolder(string modelFolder)
    {
        string path = Path.Combine(modelFolder, "preprocessor_config.json");
        if (!File.Exists(path))
        {
            throw new InvalidModelException(modelFolder, "preprocessor_config.json is missing. Copy it from the original Hugging Face model.");
        }

        QwenImageProcessorOptions defaults = Models.ModelFolder.Inspect(modelFolder).ModelType.StartsWith("qwen3", StringComparison.Ordinal) ? Qwen3Vl : Qwen2Vl;
        try
        {
            QwenImageProcessorOptions options = FromFile(path, defaults);
            string videoPath = Path.Combine(modelFolder, "video_preprocessor_config.json");
            if (!File.Exists(videoPath))
            {
                return options;
            }

            using var video = JsonDocument.Parse(File.ReadAllBytes(videoPath));
            (long? min, long? max) = PixelBounds(video.RootElement);
            options = options with { VideoMinPixels = min ?? options.VideoMinPixels, VideoMaxPixels = max ?? options.VideoMaxPixels };
            options.Validate();
            return options;
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or FormatException)
        {
            throw new InvalidModelException(modelFolder, $"preprocessor_config.json is malformed ({e.Message}).", e);
        }
    }

    /// <summary>
    /// Reads <c>preprocessor_config.json</c>. Top-level <c>min_pixels</c>/<c>max_pixels</c> win over
    /// <c>size.shortest_edge</c>/<c>size.longest_edge</c>, as in the reference; missing keys keep the defaults of
    /// <paramref name="defaults"/>.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="defaults">The family's defaults (Qwen2Vl or Qwen3Vl).</param>
    public static QwenImageProcessorOptions FromFile(string path, QwenImageProcessorOptions? defaults = null)
    {
        defaults ??= Qwen2Vl;
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        JsonElement root = doc.RootElement;
        (long? min, long? max) = PixelBounds(root);
        QwenImageProcessorOptions options = defaults with
        {
            PatchSize = (int)(OptionalLong(root, "patch_size") ?? defaults.PatchSize),
            TemporalPatchSize = (int)(OptionalLong(root, "temporal_patch_size") ?? defaults.TemporalPatchSize),
            MergeSize = (int)(OptionalLong(root, "merge_size") ?? defaults.MergeSize),
            MinPixels = min ?? defaults.MinPixels,
            MaxPixels = max ?? defaults.MaxPixels,
            RescaleFactor = root.TryGetProperty("rescale_factor", out JsonElement r) ? r.GetDouble() : defaults.RescaleFactor,
            ImageMean = OptionalFloats(root, "image_mean") ?? defaults.ImageMean,
            ImageStd = OptionalFloats(root, "image_std") ?? defaults.ImageStd,
        };
        options.Validate();
        return options;
    }

    /// <summary>Checks the values and throws <see cref="ArgumentException"/> naming the bad one.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(PatchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(TemporalPatchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MergeSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MinPixels);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPixels, MinPixels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(VideoMinPixels);
        ArgumentOutOfRangeException.ThrowIfLessThan(VideoMaxPixels, VideoMinPixels);
        ArgumentOutOfRangeException.ThrowIfLessThan(VideoMaxTotalPixels, VideoMinPixels);
        if (ImageMean.Count != 3 || ImageStd.Count != 3 || ImageStd.Any(s => !(s > 0)))
        {
            throw new ArgumentException("ImageMean and ImageStd need three values each, and every std must be positive.");
        }
    }

    /// <summary>Top-level min_pixels/max_pixels win over size.shortest_edge/size.longest_edge, as in the reference.</summary>
    private static (long? Min, long? Max) PixelBounds(JsonElement root)
    {
        long? shortest = null, longest = null;
        if (root.TryGetProperty("size", out JsonElement size) && size.ValueKind == JsonValueKind.Object)
        {
            shortest = OptionalLong(size, "shortest_edge");
            longest = OptionalLong(size, "longest_edge");
        }

        return (OptionalLong(root, "min_pixels") ?? shortest, OptionalLong(root, "max_pixels") ?? longest);
    }

    private static long? OptionalLong(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number ? (long)v.GetDouble() : null;

    private static float[]? OptionalFloats(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Array ? [.. v.EnumerateArray().Select(x => (float)x.GetDouble())] : null;
}
