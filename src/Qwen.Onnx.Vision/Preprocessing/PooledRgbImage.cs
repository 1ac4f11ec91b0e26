using System.Buffers;

namespace Qwen.Onnx.Vision.Preprocessing;

/// <summary>
/// An intermediate image in a buffer rented from <see cref="ArrayPool{T}.Shared"/>: megabyte-sized buffers that are
/// allocated fresh for every image cost more in page faults than the arithmetic that fills them.
/// </summary>
internal sealed class PooledRgbImage : IDisposable
{
    private PooledRgbImage(RgbImage image) => Image = image;

    public RgbImage Image { get; private set; }

    public static PooledRgbImage Rent(int width, int height) =>
        new(new RgbImage(ArrayPool<byte>.Shared.Rent(width * height * 3), width, height));

    public static PooledRgbImage CopyOf(RgbImage source)
    {
        PooledRgbImage copy = Rent(source.Width, source.Height);
        source.Span.CopyTo(copy.Image.Pixels);
        return copy;
    }

    public void Dispose()
    {
        if (Image.Pixels.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(Image.Pixels);
            Image = new RgbImage([], 0, 0);
        }
    }
}
