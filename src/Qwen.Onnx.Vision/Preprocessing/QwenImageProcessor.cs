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

    /// <summary>
    /// Decodes and preprocesses a video as Qwen2-VL's video processor does: one smart_resize for all frames (from the
    /// first frame's size, see <see cref="ResizedVideoSize"/>), the same resize and normalisation as images, the last
    /// frame repeated up to a whole temporal patch, and frames 2k and 2k+1 forming temporal patch k.
    /// </summary>
    /// <param name="video">The frames.</param>
    /// <param name="cancellationToken">Abandons the work.</param>
    /// <returns>pixel_values with <see cref="ProcessedImage.GridT"/> temporal patches.</returns>
    /// <exception cref="InvalidImageException">A frame cannot be used, or frames differ in size.</exception>
    public async Task<ProcessedImage> ProcessVideoAsync(VideoPart video, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(video);
        int tp = Options.TemporalPatchSize, frames = video.Frames.Count;
        int gridT = (frames + tp - 1) / tp;
        float[]? values = null;
        int rows = 0, height = 0, width = 0, firstWidth = 0, firstHeight = 0;
        try
        {
            for (int f = 0; f < frames; f++)
            {
                RgbImage rgb = await ImageDecoding.DecodeAsync(video.Frames[f], LoadOptions, cancellationToken).ConfigureAwait(false);
                if (f == 0)
                {
                    (firstWidth, firstHeight) = (rgb.Width, rgb.Height);
                    (height, width) = ResizedVideoSize(rgb.Height, rgb.Width, frames, video.MinPixels, video.MaxPixels);
                    rows = height / Options.PatchSize * (width / Options.PatchSize);
                    values = ArrayPool<float>.Shared.Rent(gridT * rows * Options.PatchLength);
                }
                else if (rgb.Width != firstWidth || rgb.Height != firstHeight)
                {
                    throw new InvalidImageException($"Frame {f + 1} of the video is {rgb.Width}×{rgb.Height} but the first frame is {firstWidth}×{firstHeight}; all frames of a video must have one size.");
                }

                using ProcessedImage still = ProcessToSize(rgb, height, width);

                // The last frame also fills the rest of its temporal patch, as the reference repeats it.
                int lastSlot = f == frames - 1 ? (gridT * tp) - 1 : f;
                for (int slot = f; slot <= lastSlot; slot++)
                {
                    CopyFrameSlot(still.PixelValues.Span, values!.AsSpan(slot / tp * rows * Options.PatchLength, rows * Options.PatchLength), slot % tp);
                }
            }

            var result = new ProcessedImage(values!, Options.PatchLength, gridT, height / Options.PatchSize, width / Options.PatchSize, Options.MergeSize, height, width);
            values = null;
            return result;
        }
        finally
        {
            if (values is not null)
            {
                ArrayPool<float>.Shared.Return(values);
            }
        }
    }

    /// <summary>
    /// The size every frame of a video is resized to: smart_resize of the first frame within the video bounds, with the
    /// largest area lowered for long videos as qwen-vl-utils does:
    /// max(min(max area, total budget / frames × 2), 1.05 × min area).
    /// </summary>
    /// <param name="height">The first frame's height.</param>
    /// <param name="width">The first frame's width.</param>
    /// <param name="frames">How many frames the video has.</param>
    /// <param name="minPixels">Overrides <see cref="QwenImageProcessorOptions.VideoMinPixels"/>.</param>
    /// <param name="maxPixels">Overrides <see cref="QwenImageProcessorOptions.VideoMaxPixels"/> (the budget still applies).</param>
    public (int Height, int Width) ResizedVideoSize(int height, int width, int frames, long? minPixels = null, long? maxPixels = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frames);
        long min = minPixels ?? Options.VideoMinPixels;
        long budget = Math.Max(Math.Min(Options.VideoMaxPixels, (long)((double)Options.VideoMaxTotalPixels / frames * Options.TemporalPatchSize)), (long)(min * 1.05));
        long max = Math.Min(maxPixels ?? Options.VideoMaxPixels, budget);
        if (max < min)
        {
            throw new ArgumentOutOfRangeException(nameof(maxPixels), $"Pixel bounds must satisfy 0 < min ({min}) ≤ max ({max}).");
        }

        return SmartResize.Compute(height, width, Options.Factor, min, max);
    }

    /// <summary>Preprocesses decoded pixels.</summary>
    /// <param name="image">RGB pixels.</param>
    /// <param name="minPixels">Overrides <see cref="QwenImageProcessorOptions.MinPixels"/>.</param>
    /// <param name="maxPixels">Overrides <see cref="QwenImageProcessorOptions.MaxPixels"/>.</param>
    public ProcessedImage Process(RgbImage image, long? minPixels = null, long? maxPixels = null)
    {
        (int height, int width) = ResizedSize(image, minPixels, maxPixels);
        return ProcessToSize(image, height, width);
    }

    /// <summary>
    /// Copies one frame slot of every row: a row's columns run over (channel, frame, y, x), so frame slot s of channel
    /// c is the patch × patch block at (c × temporal + s) × patch².
    /// </summary>
    private void CopyFrameSlot(ReadOnlySpan<float> still, Span<float> destination, int slot)
    {
        int block = Options.PatchSize * Options.PatchSize, rowLength = Options.PatchLength;
        for (int row = 0; row < still.Length / rowLength; row++)
        {
            for (int c = 0; c < 3; c++)
            {
                int offset = (row * rowLength) + (((c * Options.TemporalPatchSize) + slot) * block);
                still.Slice(offset, block).CopyTo(destination.Slice(offset, block));
            }
        }
    }

    private ProcessedImage ProcessToSize(RgbImage image, int height, int width)
    {
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
