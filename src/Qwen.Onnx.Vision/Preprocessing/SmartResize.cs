namespace Qwen.Onnx.Vision.Preprocessing;

/// <summary>
/// Qwen-VL's smart_resize: the size closest to the original whose sides are multiples of the patch factor and whose
/// area lies within [min, max] pixels, computed exactly as the Python reference (round half to even, the same
/// operation order in doubles).
/// </summary>
public static class SmartResize
{
    /// <summary>The largest long-to-short side ratio the reference accepts.</summary>
    public const double MaxAspectRatio = 200;

    /// <summary>Computes the resized height and width.</summary>
    /// <param name="height">Original height.</param>
    /// <param name="width">Original width.</param>
    /// <param name="factor">Patch size × merge size (28 for Qwen2/2.5-VL, 32 for Qwen3-VL).</param>
    /// <param name="minPixels">Smallest allowed area.</param>
    /// <param name="maxPixels">Largest allowed area.</param>
    /// <exception cref="InvalidImageException">The aspect ratio exceeds 200.</exception>
    public static (int Height, int Width) Compute(int height, int width, int factor, long minPixels, long maxPixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(factor);
        double ratio = (double)Math.Max(height, width) / Math.Min(height, width);
        if (ratio > MaxAspectRatio)
        {
            throw new InvalidImageException($"The image is {width}×{height}: its aspect ratio {ratio:F1} exceeds Qwen-VL's limit of {MaxAspectRatio}. Crop or pad it first.");
        }

        long hBar = (long)Math.Round((double)height / factor, MidpointRounding.ToEven) * factor;
        long wBar = (long)Math.Round((double)width / factor, MidpointRounding.ToEven) * factor;
        long area = (long)height * width;
        if (hBar * wBar > maxPixels)
        {
            double beta = Math.Sqrt(area / (double)maxPixels);
            hBar = Math.Max(factor, (long)Math.Floor(height / beta / factor) * factor);
            wBar = Math.Max(factor, (long)Math.Floor(width / beta / factor) * factor);
        }
        else if (hBar * wBar < minPixels)
        {
            double beta = Math.Sqrt(minPixels / (double)area);
            hBar = (long)Math.Ceiling(height * beta / factor) * factor;
            wBar = (long)Math.Ceiling(width * beta / factor) * factor;
        }

        return (checked((int)hBar), checked((int)wBar));
    }
}
