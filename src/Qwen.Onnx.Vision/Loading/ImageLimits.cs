namespace Qwen.Onnx.Vision.Loading;

/// <summary>The pixel-count check every decoder runs on the header's size, before it allocates any pixel buffer.</summary>
internal static class ImageLimits
{
    public static void EnsureDeclaredSizeAllowed(int width, int height, ImageLoadOptions options)
    {
        long declared = (long)width * height;
        if (width <= 0 || height <= 0 || declared > options.MaxInputPixels)
        {
            throw new InvalidImageException($"The image declares {width}×{height} pixels, over the limit of {options.MaxInputPixels:N0} ({nameof(ImageLoadOptions)}.{nameof(ImageLoadOptions.MaxInputPixels)}). Downscale it first or raise the limit.");
        }
    }

    public static InvalidImageException TimedOut(ImageLoadOptions options) =>
        new($"Decoding the image took longer than {options.DecodeTimeout.TotalSeconds:0.###} s and was abandoned.");
}
