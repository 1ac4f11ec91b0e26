using System.Buffers;
using System.Diagnostics;
using Qwen.Onnx.Vision.Preprocessing;
using SkiaSharp;

namespace Qwen.Onnx.Vision.Loading;

/// <summary>
/// Decodes JPEG with the libjpeg-turbo inside SkiaSharp's native library, with the settings Pillow uses (integer
/// "islow" IDCT, fancy chroma upsampling, libjpeg's YCbCr tables, Adobe CMYK/YCCK inverted and multiplied out as
/// Pillow's <c>convert("RGB")</c> does) and no colour management: the target has no colour space, so an embedded ICC
/// profile is ignored as Pillow ignores it. Rows are decoded a band at a time straight into the oriented RGB image.
/// </summary>
internal static class LibjpegTurboDecoder
{
    private const int BandRows = 16;

    private static readonly Lazy<bool> NativeLibraryLoads = new(ProbeNativeLibrary);

    /// <summary>Whether SkiaSharp's native library loads on this platform (it ships for Linux, Windows and macOS).</summary>
    public static bool IsAvailable => NativeLibraryLoads.Value;

    /// <summary>JPEG files start with SOI followed by another marker.</summary>
    public static bool IsJpeg(ReadOnlySpan<byte> encoded) => encoded is [0xFF, 0xD8, 0xFF, ..];

    public static unsafe RgbImage Decode(ReadOnlyMemory<byte> encoded, ImageLoadOptions options, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        using MemoryHandle pinned = encoded.Pin();
        using SKData data = SKData.Create((IntPtr)pinned.Pointer, encoded.Length);
        using SKCodec codec = Open(data);
        (int width, int height) = (codec.Info.Width, codec.Info.Height);
        ImageLimits.EnsureDeclaredSizeAllowed(width, height, options);

        bool gray = codec.Info.ColorType == SKColorType.Gray8;
        int bytesPerPixel = gray ? 1 : 4;
        var target = new SKImageInfo(width, height, gray ? SKColorType.Gray8 : SKColorType.Rgba8888, SKAlphaType.Opaque);
        Check(codec.StartScanlineDecode(target));
        var writer = new OrientedRgbWriter(width, height, codec.EncodedOrigin);
        int rowBytes = width * bytesPerPixel;
        byte[] band = ArrayPool<byte>.Shared.Rent(rowBytes * BandRows);
        try
        {
            fixed (byte* bandPointer = band)
            {
                for (int y = 0; y < height; y += BandRows)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (Stopwatch.GetElapsedTime(started) > options.DecodeTimeout)
                    {
                        throw ImageLimits.TimedOut(options);
                    }

                    int rows = Math.Min(BandRows, height - y);
                    if (codec.GetScanlines((IntPtr)bandPointer, rows, rowBytes) != rows)
                    {
                        throw new InvalidImageException($"The JPEG is truncated or corrupt: its pixel data ends before row {y + rows} of {height}.");
                    }

                    for (int r = 0; r < rows; r++)
                    {
                        writer.WriteRow(y + r, band.AsSpan(r * rowBytes, rowBytes), bytesPerPixel);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(band);
        }

        return writer.Image;
    }

    private static SKCodec Open(SKData data)
    {
        // The codec takes the stream over (and frees it itself when it fails).
        var stream = new SKMemoryStream(data);
        SKCodec? codec = SKCodec.Create(stream, out SKCodecResult result);
        if (codec is null || result != SKCodecResult.Success)
        {
            codec?.Dispose();
            throw new InvalidImageException($"The JPEG header cannot be read; the file is truncated, corrupt or not a JPEG ({result}).");
        }

        return codec;
    }

    private static void Check(SKCodecResult result)
    {
        if (result != SKCodecResult.Success)
        {
            throw new InvalidImageException($"The JPEG cannot be decoded ({result}); it is corrupt or uses a feature libjpeg-turbo does not support.");
        }
    }

    private static bool ProbeNativeLibrary()
    {
        try
        {
            using var probe = SKData.CreateCopy([0]);
            return probe.Size == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException or BadImageFormatException)
        {
            return false;
        }
    }
}
