using System.Runtime.Intrinsics;
using Qwen.Onnx.Vision.Preprocessing;
using SkiaSharp;

namespace Qwen.Onnx.Vision.Loading;

/// <summary>
/// Packs decoded rows (Gray8 or RGBA8888) into RGB while applying the EXIF orientation, so the displayed image is
/// written once and no rotated copy is ever made. The eight cases are those of Pillow's <c>ImageOps.exif_transpose</c>.
/// </summary>
internal sealed class OrientedRgbWriter
{
    private readonly int storedWidth;
    private readonly int storedHeight;
    private readonly SKEncodedOrigin origin;

    public OrientedRgbWriter(int storedWidth, int storedHeight, SKEncodedOrigin origin)
    {
        this.storedWidth = storedWidth;
        this.storedHeight = storedHeight;
        this.origin = origin;
        bool swapsAxes = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        (int width, int height) = swapsAxes ? (storedHeight, storedWidth) : (storedWidth, storedHeight);
        Image = new RgbImage(new byte[width * height * 3], width, height);
    }

    /// <summary>The displayed image; complete once every stored row was written.</summary>
    public RgbImage Image { get; }

    /// <summary>Writes stored row <paramref name="y"/>, whose pixels have <paramref name="bytesPerPixel"/> bytes (1 or 4).</summary>
    public void WriteRow(int y, ReadOnlySpan<byte> row, int bytesPerPixel)
    {
        int start = DisplayedIndex(0, y);
        int step = storedWidth > 1 ? DisplayedIndex(1, y) - start : 1;
        Span<byte> pixels = Image.Pixels;
        if (step == 1 && bytesPerPixel == 4)
        {
            PackRgba(row, pixels.Slice(start * 3, storedWidth * 3));
            return;
        }

        for (int x = 0, o = start * 3; x < storedWidth; x++, o += step * 3)
        {
            if (bytesPerPixel == 1)
            {
                byte v = row[x];
                pixels[o] = v;
                pixels[o + 1] = v;
                pixels[o + 2] = v;
            }
            else
            {
                int i = x * 4;
                pixels[o] = row[i];
                pixels[o + 1] = row[i + 1];
                pixels[o + 2] = row[i + 2];
            }
        }
    }

    /// <summary>Drops every fourth byte, four pixels per shuffle where the CPU has one (most rows are upright).</summary>
    private static void PackRgba(ReadOnlySpan<byte> rgba, Span<byte> rgb)
    {
        int x = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            Vector128<byte> keepRgb = Vector128.Create((byte)0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 0x80, 0x80, 0x80, 0x80);
            // Each store writes 16 bytes of which 12 are kept; the last 4 are overwritten by the next store.
            for (; (x * 3) + 16 <= rgb.Length && (x * 4) + 16 <= rgba.Length; x += 4)
            {
                Vector128.Shuffle(Vector128.Create(rgba.Slice(x * 4, 16)), keepRgb).CopyTo(rgb.Slice(x * 3, 16));
            }
        }

        for (; x < rgb.Length / 3; x++)
        {
            rgb[x * 3] = rgba[x * 4];
            rgb[(x * 3) + 1] = rgba[(x * 4) + 1];
            rgb[(x * 3) + 2] = rgba[(x * 4) + 2];
        }
    }

    private int DisplayedIndex(int x, int y)
    {
        int w = storedWidth - 1, h = storedHeight - 1;
        (int dx, int dy) = origin switch
        {
            SKEncodedOrigin.TopRight => (w - x, y),
            SKEncodedOrigin.BottomRight => (w - x, h - y),
            SKEncodedOrigin.BottomLeft => (x, h - y),
            SKEncodedOrigin.LeftTop => (y, x),
            SKEncodedOrigin.RightTop => (h - y, x),
            SKEncodedOrigin.RightBottom => (h - y, w - x),
            SKEncodedOrigin.LeftBottom => (y, w - x),
            _ => (x, y),
        };
        return (dy * Image.Width) + dx;
    }
}
