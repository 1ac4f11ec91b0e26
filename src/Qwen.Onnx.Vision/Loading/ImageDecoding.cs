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
/// Turns an <see cref="ImagePart"/> into RGB pixels with ImageSharp 2.1: PNG, JPEG (EXIF orientation applied),
/// WebP, GIF and TIFF (first frame), BMP; alpha is dropped as Pillow's <c>convert("RGB")</c> does. The header is
/// checked against the pixel limit before decoding; every decoder failure becomes an <see cref="InvalidImageException"/>.
/// </summary>
public static class ImageDecoding
{
    private static readonly Configuration Decoders = CreateConfiguration();

    /// <summary>Decodes an image part.</summary>
    /// <param name="image">The part.</param>
    /// <param name="options">Limits; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Abandons decoding.</param>
    /// <exception cref="InvalidImageException">The image is missing, empty, corrupt, not an image, or over a limit.</exception>
    public static async Task<RgbImage> DecodeAsync(ImagePart image, ImageLoadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        options ??= new ImageLoadOptions();
        if (image.Pixels is RawPixels raw)
        {
            return RawPixelConversion.ToRgb(raw, options);
        }

        await using Stream stream = await OpenAsync(image, options, cancellationToken).ConfigureAwait(false);
        return await DecodeAsync(stream, options, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<RgbImage> DecodeAsync(Stream stream, ImageLoadOptions options, CancellationToken cancellationToken)
    {
        if (stream.Length == 0)
        {
            throw new InvalidImageException("The image is empty (0 bytes).");
        }

        (IImageInfo info, IImageFormat format) = Identify(stream);
        if (format is JpegFormat && !JpegEndMarker.IsPresent(stream))
        {
            // ImageSharp fills the missing part of a truncated JPEG with grey; Pillow refuses it, and so do we.
            throw new InvalidImageException("The JPEG is truncated: it has no end-of-image marker.");
        }

        long declared = (long)info.Width * info.Height;
        if (info.Width <= 0 || info.Height <= 0 || declared > options.MaxInputPixels)
        {
            throw new InvalidImageException($"The image declares {info.Width}×{info.Height} pixels, over the limit of {options.MaxInputPixels:N0} ({nameof(ImageLoadOptions)}.{nameof(ImageLoadOptions.MaxInputPixels)}). Downscale it first or raise the limit.");
        }

        stream.Position = 0;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.DecodeTimeout);
        try
        {
            using Image<Rgb24> decoded = await Image.LoadAsync<Rgb24>(Decoders, stream, timeout.Token).ConfigureAwait(false);
            decoded.Mutate(x => x.AutoOrient());
            var pixels = new byte[decoded.Width * decoded.Height * 3];
            decoded.CopyPixelDataTo(MemoryMarshal.Cast<byte, Rgb24>(pixels.AsSpan()));
            return new RgbImage(pixels, decoded.Width, decoded.Height);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidImageException($"Decoding the image took longer than {options.DecodeTimeout.TotalSeconds:F0} s and was abandoned.");
        }
        catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException or InvalidImageException))
        {
            throw new InvalidImageException($"The image could not be decoded; it is truncated or corrupt ({e.Message}).", e);
        }
    }

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

    private static async Task<Stream> OpenAsync(ImagePart image, ImageLoadOptions options, CancellationToken cancellationToken)
    {
        if (image.FilePath is string path)
        {
            var file = new FileInfo(path);
            if (!file.Exists)
            {
                throw new InvalidImageException($"The image file '{path}' does not exist.");
            }

            if (file.Length > options.MaxEncodedBytes)
            {
                throw new InvalidImageException($"The image file '{path}' is {file.Length:N0} bytes, over the limit of {options.MaxEncodedBytes:N0}.");
            }

            return file.OpenRead();
        }

        if (image.EncodedBytes is ReadOnlyMemory<byte> bytes)
        {
            return MemoryMarshal.TryGetArray(bytes, out ArraySegment<byte> segment)
                ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
                : new MemoryStream(bytes.ToArray(), writable: false);
        }

        // A caller's stream may be unseekable or endless: copy at most the limit.
        var copy = new MemoryStream();
        byte[] buffer = new byte[81920];
        int read;
        while ((read = await image.Stream!.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (copy.Length + read > options.MaxEncodedBytes)
            {
                throw new InvalidImageException($"The image stream is longer than the limit of {options.MaxEncodedBytes:N0} bytes.");
            }

            copy.Write(buffer, 0, read);
        }

        copy.Position = 0;
        return copy;
    }

    private static Configuration CreateConfiguration()
    {
        Configuration configuration = Configuration.Default.Clone();
        configuration.ImageFormatsManager.SetDecoder(GifFormat.Instance, new GifDecoder { DecodingMode = FrameDecodingMode.First });
        configuration.ImageFormatsManager.SetDecoder(TiffFormat.Instance, new TiffDecoder { DecodingMode = FrameDecodingMode.First });
        return configuration;
    }
}
