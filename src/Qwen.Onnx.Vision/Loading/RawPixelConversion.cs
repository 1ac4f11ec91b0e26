using Qwen.Onnx.Vision.Preprocessing;

namespace Qwen.Onnx.Vision.Loading;

/// <summary>Packs caller-decoded pixels (RGB24, RGBA32, BGRA32 with any stride) into RGB, dropping alpha.</summary>
internal static class RawPixelConversion
{
    public static RgbImage ToRgb(RawPixels raw, ImageLoadOptions options)
    {
        if ((long)raw.Width * raw.Height > options.MaxInputPixels)
        {
            throw new InvalidImageException($"The pixel buffer is {raw.Width}×{raw.Height}, over the limit of {options.MaxInputPixels:N0} pixels.");
        }

        var rgb = new byte[raw.Width * raw.Height * 3];
        ReadOnlySpan<byte> source = raw.Data.Span;
        int bytesPerPixel = raw.Format == PixelFormat.Rgb24 ? 3 : 4;
        (int r, int g, int b) = raw.Format == PixelFormat.Bgra32 ? (2, 1, 0) : (0, 1, 2);
        for (int y = 0; y < raw.Height; y++)
        {
            ReadOnlySpan<byte> row = source.Slice(y * raw.Stride, raw.Width * bytesPerPixel);
            Span<byte> outRow = rgb.AsSpan(y * raw.Width * 3, raw.Width * 3);
            if (raw.Format == PixelFormat.Rgb24)
            {
                row.CopyTo(outRow);
                continue;
            }

            for (int x = 0, i = 0, o = 0; x < raw.Width; x++, i += 4, o += 3)
            {
                outRow[o] = row[i + r];
                outRow[o + 1] = row[i + g];
                outRow[o + 2] = row[i + b];
            }
        }

        return new RgbImage(rgb, raw.Width, raw.Height);
    }
}
