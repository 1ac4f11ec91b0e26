using System.Buffers;

namespace Qwen.Onnx.Vision.Preprocessing;

/// <summary>
/// One image or video as the vision encoder takes it: <c>pixel_values</c> rows and its <c>grid_thw</c>. The values live in
/// a buffer rented from the shared array pool (tens of megabytes for a large image); dispose the image to return it.
/// </summary>
public sealed class ProcessedImage : IDisposable
{
    private float[]? _buffer;

    internal ProcessedImage(float[] buffer, int patchLength, int gridT, int gridH, int gridW, int mergeSize, int resizedHeight, int resizedWidth)
    {
        _buffer = buffer;
        PatchLength = patchLength;
        GridT = gridT;
        GridH = gridH;
        GridW = gridW;
        TokenCount = gridT * gridH * gridW / (mergeSize * mergeSize);
        ResizedHeight = resizedHeight;
        ResizedWidth = resizedWidth;
    }

    /// <summary><c>pixel_values</c>, row-major [<see cref="PatchCount"/>, <see cref="PatchLength"/>].</summary>
    /// <exception cref="ObjectDisposedException">The image was disposed.</exception>
    public ReadOnlyMemory<float> PixelValues => _buffer is float[] buffer
        ? buffer.AsMemory(0, PatchCount * PatchLength)
        : throw new ObjectDisposedException(nameof(ProcessedImage));

    /// <summary>Floats per row (1176 for patch 14, 1536 for patch 16).</summary>
    public int PatchLength { get; }

    /// <summary>Rows of <see cref="PixelValues"/>: t × h × w.</summary>
    public int PatchCount => GridT * GridH * GridW;

    /// <summary>Temporal patches (1 for an image).</summary>
    public int GridT { get; }

    /// <summary>Patches down.</summary>
    public int GridH { get; }

    /// <summary>Patches across.</summary>
    public int GridW { get; }

    /// <summary>Pad tokens (<c>&lt;|image_pad|&gt;</c>, or <c>&lt;|video_pad|&gt;</c> for a video) it takes in the prompt: t·h·w / merge².</summary>
    public int TokenCount { get; }

    /// <summary>Height after smart_resize.</summary>
    public int ResizedHeight { get; }

    /// <summary>Width after smart_resize.</summary>
    public int ResizedWidth { get; }

    /// <summary>
    /// Joins several images as the reference processor does: rows of <c>pixel_values</c> and rows of
    /// <c>image_grid_thw</c> in prompt order.
    /// </summary>
    /// <param name="images">The images, in prompt order.</param>
    /// <returns><c>pixel_values</c> [Σ rows, patch length] and <c>image_grid_thw</c> [images, 3], both row-major.</returns>
    public static (float[] PixelValues, long[] GridThw) Concatenate(IReadOnlyList<ProcessedImage> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var values = new float[images.Sum(i => (long)i.PixelValues.Length)];
        var grid = new long[images.Count * 3];
        int offset = 0;
        for (int i = 0; i < images.Count; i++)
        {
            images[i].PixelValues.Span.CopyTo(values.AsSpan(offset));
            offset += images[i].PixelValues.Length;
            (grid[i * 3], grid[(i * 3) + 1], grid[(i * 3) + 2]) = (images[i].GridT, images[i].GridH, images[i].GridW);
        }

        return (values, grid);
    }

    /// <summary>Returns the pixel buffer to the pool; <see cref="PixelValues"/> is unusable afterwards.</summary>
    public void Dispose()
    {
        float[]? buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }
}
