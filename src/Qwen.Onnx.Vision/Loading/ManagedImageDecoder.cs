using System.Runtime.InteropServices;
using Qwen.Onnx.Vision.Preprocessing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Qwen.Onnx.Vision.Loading;

/// <summary>
/// ImageSharp 2.1: PNG, WebP, GIF and TIFF (first frame), BMP, and JPEG where SkiaSharp's native library is missing
/// (its IDCT and chroma upsampling differ from libjpeg-turbo's by a few levels, tens on colour edges of 4:2:0 files).
/// Alpha is dropped as Pillow's <c>convert("RGB")</c> does; EXIF orientation is applied.
/// </summary>
internal static class ManagedImageDecoder
{
    private static readonly Configuration Decoders = CreateConfiguration();

    public static async Task<RgbImage> DecodeAsync(ReadOnlyMemory<byte> encoded, ImageLoadOptions options, CancellationToken cancellationToken)
    {
        MemoryStream stream = AsStream(encoded);
        (IImageInfo info, IImageFormat format) = Identify(stream);
        if (format is JpegFormat && !JpegEndMarker.IsPresent(stream))
        {
            // ImageSharp fills the missing part of a truncated JPEG with grey; Pillow refuses it, and so do we.
            throw new InvalidImageException("The JPEG is truncated: it has no end-of-image marker.");
        }

        ImageLimits.EnsureDeclaredSizeAllowed(info.Width, info.Height, options);
        stream.Position = 0;

        // ImageSharp looks at its token only now and then (a corrupt 1 KB TIFF or WebP can keep it busy for seconds),
        // so the caller stops waiting at the deadline and the abandoned decode ends at its next check.
        var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.DecodeTimeout);
        Task<RgbImage> decoding = Task.Run(() => LoadAsync(stream, timeout.Token), CancellationToken.None);
        _ = decoding.ContinueWith(_ => timeout.Dispose(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        try
        {
            return await decoding.WaitAsync(options.DecodeTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw ImageLimits.TimedOut(options);
        }
        catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException or InvalidImageException))
        {
            throw new InvalidImageException($"The image could not be decoded; it is truncated or corrupt ({e.Message}).", e);
        }
    }

    private static async Task<RgbImage> LoadAsync(MemoryStream stream, CancellationToken cancellationToken)
    {
        using Image<Rgb24> decoded = await Image.LoadAsync<Rgb24>(Decoders, stream, cancellationToken).ConfigureAwait(false);
        decoded.Mutate(x => x.AutoOrient());
        var pixels = new byte[decoded.Width * decoded.Height * 3];
        decoded.CopyPixelDataTo(MemoryMarshal.Cast<byte, Rgb24>(pixels.AsSpan()));
        return new RgbImage(pixels, decoded.Width, decoded.Height);
    }

    private static MemoryStream AsStream(ReadOnlyMemory<byte> encoded) =>
        MemoryMarshal.TryGetArray(encoded, out ArraySegment<byte> segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(encoded.ToArray(), writable: false);

    private static (IImageInfo Info, IImageFormat Format) Identify(Stream stream)
    {
        try
        {
            IImageInfo? info = Image.Identify(Decoders, stream, out IImageFormat format);
            return info is null
                ? throw new InvalidImageException("This is not an image in a supported format (PNG, JPEG, WebP, GIF, BMP, TIFF).")
                : (info, format);
        }
        catch (Exception e) when (e is not (InvalidImageException or OutOfMemoryException))
        {
            throw new InvalidImageException($"The image header cannot be read; the file is truncated, corrupt or not an image ({e.Message}).", e);
        }
    }

    private static Configuration CreateConfiguration()
    {
        Configuration configuration = Configuration.Default.Clone();
        configuration.ImageFormatsManager.SetDecoder(GifFormat.Instance, new GifDecoder { DecodingMode = FrameDecodingMode.First });
        configuration.ImageFormatsManager.SetDecoder(TiffFormat.Instance, new TiffDecoder { DecodingMode = FrameDecodingMode.First });
        return configuration;
    }
}
