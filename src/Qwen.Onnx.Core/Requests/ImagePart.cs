namespace Qwen.Onnx;

/// <summary>Memory layout of raw pixels handed to <see cref="ImagePart.FromPixels"/>.</summary>
public enum PixelFormat
{
    /// <summary>3 bytes per pixel: red, green, blue.</summary>
    Rgb24,

    /// <summary>4 bytes per pixel: red, green, blue, alpha (alpha is dropped, as Qwen's processor does).</summary>
    Rgba32,

    /// <summary>4 bytes per pixel: blue, green, red, alpha (Windows bitmaps, WPF, WinUI).</summary>
    Bgra32,
}

/// <summary>
/// An image inside a user message. The image is decoded and preprocessed by the model's vision package
/// when the request runs, so creating a part is cheap and never touches pixels.
/// </summary>
public sealed class ImagePart : MediaPart
{
    private ImagePart()
    {
    }

    /// <summary>
    /// Overrides the model's smallest resized area for this image (<c>min_pixels</c>); <see langword="null"/> keeps the model's.
    /// </summary>
    public long? MinPixels { get; private set; }

    /// <summary>
    /// Caps the resized area for this image (<c>max_pixels</c>), and so its image tokens (one per 28×28 pixels on
    /// Qwen2/2.5-VL); <see langword="null"/> keeps the model's.
    /// </summary>
    public long? MaxPixels { get; private set; }

    /// <summary>Raw pixels when created with <see cref="FromPixels"/>.</summary>
    public RawPixels? Pixels { get; private init; }

    /// <summary>A copy of this part with its own resize bounds (see <see cref="MinPixels"/> and <see cref="MaxPixels"/>).</summary>
    /// <param name="minPixels">Smallest resized area, or <see langword="null"/> for the model's.</param>
    /// <param name="maxPixels">Largest resized area, or <see langword="null"/> for the model's.</param>
    public ImagePart WithPixelBounds(long? minPixels, long? maxPixels)
    {
        if (minPixels <= 0 || maxPixels <= 0 || minPixels > maxPixels)
        {
            throw new ArgumentOutOfRangeException(nameof(maxPixels), $"Pixel bounds must satisfy 0 < min ({minPixels}) ≤ max ({maxPixels}).");
        }

        var copy = (ImagePart)MemberwiseClone();
        copy.MinPixels = minPixels;
        copy.MaxPixels = maxPixels;
        return copy;
    }

    /// <summary>An image file (PNG, JPEG, WebP, GIF, BMP, TIFF).</summary>
    /// <param name="path">Path of the file.</param>
    public static ImagePart FromFile(string path) => new() { FilePath = CheckPath(path) };

    /// <summary>An encoded image held in memory.</summary>
    /// <param name="bytes">The file's bytes.</param>
    public static ImagePart FromBytes(ReadOnlyMemory<byte> bytes) => new() { EncodedBytes = bytes };

    /// <summary>An encoded image read from a stream when the request runs. The caller keeps ownership of the stream.</summary>
    /// <param name="stream">A readable stream positioned at the start of the image.</param>
    public static ImagePart FromStream(Stream stream) => new() { Stream = CheckStream(stream) };

    /// <summary>Decoded pixels, for apps that decode images themselves (camera frames, WPF/WinUI bitmaps).</summary>
    /// <param name="pixels">The pixel rows, top to bottom.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <param name="format">Byte layout of one pixel.</param>
    /// <param name="stride">Bytes from one row to the next; 0 means tightly packed.</param>
    public static ImagePart FromPixels(ReadOnlyMemory<byte> pixels, int width, int height, PixelFormat format, int stride = 0) =>
        new() { Pixels = new RawPixels(pixels, width, height, format, stride) };
}

/// <summary>Decoded pixels with their geometry.</summary>
public sealed class RawPixels
{
    internal RawPixels(ReadOnlyMemory<byte> data, int width, int height, PixelFormat format, int stride)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        int bytesPerPixel = format == PixelFormat.Rgb24 ? 3 : 4;
        long packed = (long)width * bytesPerPixel;
        long rowStride = stride == 0 ? packed : stride;
        if (rowStride < packed)
        {
            throw new ArgumentOutOfRangeException(nameof(stride), stride, $"The stride must be at least width × {bytesPerPixel} = {packed} bytes.");
        }

        long needed = (rowStride * (height - 1)) + packed;
        if (data.Length < needed)
        {
            throw new ArgumentException($"{width}×{height} {format} pixels with stride {rowStride} need {needed} bytes, but {data.Length} were given.", nameof(data));
        }

        Data = data;
        Width = width;
        Height = height;
        Format = format;
        Stride = (int)rowStride;
    }

    /// <summary>The pixel bytes.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Byte layout of one pixel.</summary>
    public PixelFormat Format { get; }

    /// <summary>Bytes from one row to the next.</summary>
    public int Stride { get; }
}
