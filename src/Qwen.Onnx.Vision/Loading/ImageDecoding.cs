using Qwen.Onnx.Vision.Preprocessing;

namespace Qwen.Onnx.Vision.Loading;

/// <summary>
/// Turns an <see cref="ImagePart"/> into RGB pixels as Pillow's <c>ImageOps.exif_transpose(image).convert("RGB")</c>
/// does: JPEG with libjpeg-turbo (SkiaSharp's native library, Pillow's own decoder and settings); PNG, WebP, GIF and
/// TIFF (first frame) and BMP with ImageSharp 2.1, which is also the JPEG fallback where the native library is missing
/// (see <see cref="JpegIsBitExact"/>). The header's size is checked against the pixel limit before any pixel buffer
/// is allocated; every decoder failure becomes an <see cref="InvalidImageException"/>.
/// </summary>
public static class ImageDecoding
{
    /// <summary>
    /// Whether JPEG is decoded by libjpeg-turbo, bit-identically to Pillow (SkiaSharp's native library loads here: it
    /// ships for Linux, Windows and macOS). When <see langword="false"/>, ImageSharp decodes JPEG a few levels apart.
    /// </summary>
    public static bool JpegIsBitExact => LibjpegTurboDecoder.IsAvailable;

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

        ReadOnlyMemory<byte> encoded = await EncodedImageReader.ReadAsync(image, options, cancellationToken).ConfigureAwait(false);
        if (encoded.IsEmpty)
        {
            throw new InvalidImageException("The image is empty (0 bytes).");
        }

        return LibjpegTurboDecoder.IsJpeg(encoded.Span) && LibjpegTurboDecoder.IsAvailable
            ? LibjpegTurboDecoder.Decode(encoded, options, cancellationToken)
            : await ManagedImageDecoder.DecodeAsync(encoded, options, cancellationToken).ConfigureAwait(false);
    }
}
