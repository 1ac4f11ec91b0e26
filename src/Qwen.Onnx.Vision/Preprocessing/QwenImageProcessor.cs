using System.Buffers;
using Qwen.Onnx.Vision.Loading;

namespace Qwen.Onnx.Vision.Preprocessing;

/// <summary>
/// Qwen-VL's image processor: decode → RGB → smart_resize with Pillow-exact bicubic → rescale and normalise →
/// patchify. Each step is public so callers can time or replace it. Thread-safe.
/// </summary>
public sealed class QwenImageProcessor
{
    private readonly Patchifier _patchifier;

    /// <summary>Creates a processor.</summary>
    /// <param name="options">The checkpoint's parameters; <see langword="null"/> for Qwen2/2.5-VL's.</param>
    /// <param name="loadOptions">Limits for untrusted input.</param>
    public QwenImageProcessor(QwenImageProcessorOptions? options = null, ImageLoadOptions? loadOptions = null)
    {
        Options = options ?? QwenImageProcessorOptions.Qwen2Vl;
        Options.Validate();
        LoadOptions = loadOptions ?? new ImageLoadOptions();
        _patchifier = new Patchifier(Options);
    }

    /// <summary>The checkpoint's parameters.</summary>
    public QwenImageProcessorOptions Options { get; }

    /// <summary>Limits for untrusted input.</summary>
    public ImageLoadOptions LoadOptions { get; }

    /// <summary>Decodes and preprocesses one image, honouring its own <see cref="ImagePart.MinPixels"/>/<see cref="ImagePart.MaxPixels"/>.</summary>
    /// <param name="image">The image.</param>
    /// <param name="cancellationToken">Abandons the work.</param>
    /// <exception cref="InvalidImageException">The image cannot be used.</exception>
    public async Task<ProcessedImage> ProcessAsync(ImagePart image, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        RgbImage rgb = await ImageDecoding.DecodeAsync(image, LoadOptions, cancellationToken).ConfigureAwait(false);
        return Process(rgb, image.MinPixels, image.MaxPixels);
    }

    /// <summary>Preprocesses decoded pixels.</summary>
    /// <param name="image">RGB pixels.</param>
    /// <param name="minPixels">Overrides <see cref="QwenImageProcessorOptions.MinPixels"/>.</param>
    /// <param name="maxPixels">Overrides <see cref="QwenImageProcessorOptions.MaxPixels"/>.</param>
    public ProcessedImage Process(RgbImage image, long? minPixels = null, long? maxPixels = null)
    {
        (int height, int width) = ResizedSize(image, minPixels, maxPixels);

        // Resize one block row (patch × merge image rows) at a time and patchify it while it is in cache.
        using var resize = new PilBicubicResampler.ResizePlan(image, width, height);
        int bandRows = Options.PatchSize * Options.MergeSize;
        byte[] band = ArrayPool<byte>.Shared.Rent(bandRows * width * 3);
        float[] values = ArrayPool<float>.Shared.Rent(height / Options.PatchSize * (width / Options.PatchSize) * Options.PatchLength);
        try
        {
            for (int blockRow = 0; blockRow < height / bandRows; blockRow++)
            {
                resize.WriteRows(blockRow * bandRows, bandRows, band);
                _patchifier.WriteBlockRow(band, width, height, blockRow, values);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(band);
        }

        return new ProcessedImage(values, Options.PatchLength, 1, height / Options.PatchSize, width / Options.PatchSize, Options.MergeSize, height, width);
    }

    /// <summary>The smart_resize size of an image under this processor's (or the given) pixel bounds.</summary>
    /// <param name="image">RGB pixels.</param>
    /// <param name="minPixels">Overrides the smallest area.</param>
    /// <param name="maxPixels">Overrides the largest area.</param>
    public (int Height, int Width) ResizedSize(RgbImage image, long? minPixels = null, long? maxPixels = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        long min = minPixels ?? Options.MinPixels;
        long max = maxPixels ?? Options.MaxPixels;
        if (min <= 0 || max < min)
        {
            throw new ArgumentOutOfRangeException(nameof(maxPixels), $"Pixel bounds must satisfy 0 < min ({min}) ≤ max ({max}).");
        }

        return SmartResize.Compute(image.Height, image.Width, Options.Factor, min, max);
    }

    /// <summary>Normalises and patchifies an image whose sides are already multiples of patch × merge.</summary>
    /// <param name="resized">RGB pixels of the resized image.</param>
    public ProcessedImage ToPixelValues(RgbImage resized)
    {
        ArgumentNullException.ThrowIfNull(resized);
        int factor = Options.Factor;
        if (resized.Width % factor != 0 || resized.Height % factor != 0)
        {
            throw new ArgumentException($"Both sides must be multiples of {factor}; the image is {resized.Width}×{resized.Height}.", nameof(resized));
        }

        int gridH = resized.Height / Options.PatchSize, gridW = resized.Width / Options.PatchSize;
        float[] values = ArrayPool<float>.Shared.Rent(gridH * gridW * Options.PatchLength);
        _patchifier.Write(resized, values);
        return new ProcessedImage(values, Options.PatchLength, 1, gridH, gridW, Options.MergeSize, resized.Height, resized.Width);
    }
}
