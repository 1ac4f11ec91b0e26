using System.Numerics;
using System.Runtime.InteropServices;

namespace Qwen.Onnx.Vision.Preprocessing;

/// <summary>
/// Bicubic resizing that reproduces Pillow's <c>Image.resize(size, BICUBIC)</c> bit for bit: Keys cubic with a = -0.5,
/// support widened by the downscale factor (antialiasing), coefficients normalised per output pixel and rounded to
/// 22-bit fixed point, a horizontal pass into 8-bit pixels followed by a vertical pass, each rounded and clipped as
/// Pillow's <c>ImagingResample</c> does. Qwen-VL was trained on images resized this way.
/// </summary>
public static class PilBicubicResampler
{
    private const int PrecisionBits = 32 - 8 - 2;
    private const double Support = 2.0;

    /// <summary>Resizes an RGB image; a side that keeps its size is not resampled (as in Pillow).</summary>
    /// <param name="source">The image.</param>
    /// <param name="width">New width.</param>
    /// <param name="height">New height.</param>
    public static RgbImage Resize(RgbImage source, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        RgbImage horizontal = width == source.Width ? source : ResampleHorizontal(source, width);
        return height == source.Height ? horizontal : ResampleVertical(horizontal, height);
    }

    private static RgbImage ResampleHorizontal(RgbImage source, int width)
    {
        Kernel kernel = Kernel.Create(source.Width, width);
        var output = new byte[width * source.Height * 3];
        for (int y = 0; y < source.Height; y++)
        {
            ReadOnlySpan<byte> row = source.Pixels.AsSpan(y * source.Stride, source.Stride);
            Span<byte> outRow = output.AsSpan(y * width * 3, width * 3);
            for (int x = 0; x < width; x++)
            {
                int first = kernel.First[x];
                ReadOnlySpan<int> weights = kernel.Weights(x);
                int r = 1 << (PrecisionBits - 1), g = r, b = r;
                for (int k = 0, i = first * 3; k < weights.Length; k++, i += 3)
                {
                    int w = weights[k];
                    r += row[i] * w;
                    g += row[i + 1] * w;
                    b += row[i + 2] * w;
                }

                outRow[x * 3] = Clip(r);
                outRow[(x * 3) + 1] = Clip(g);
                outRow[(x * 3) + 2] = Clip(b);
            }
        }

        return new RgbImage(output, width, source.Height);
    }

    /// <summary>Each output row is a weighted sum of whole input rows with one weight per row: vectorised across the row.</summary>
    private static RgbImage ResampleVertical(RgbImage source, int height)
    {
        Kernel kernel = Kernel.Create(source.Height, height);
        int stride = source.Stride;
        var output = new byte[stride * height];
        var sums = new int[stride];
        for (int y = 0; y < height; y++)
        {
            sums.AsSpan().Fill(1 << (PrecisionBits - 1));
            int first = kernel.First[y];
            ReadOnlySpan<int> weights = kernel.Weights(y);
            for (int k = 0; k < weights.Length; k++)
            {
                AccumulateRow(source.Pixels.AsSpan((first + k) * stride, stride), weights[k], sums);
            }

            Span<byte> outRow = output.AsSpan(y * stride, stride);
            for (int i = 0; i < stride; i++)
            {
                outRow[i] = Clip(sums[i]);
            }
        }

        return new RgbImage(output, source.Width, height);
    }

    private static void AccumulateRow(ReadOnlySpan<byte> row, int weight, Span<int> sums)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && row.Length >= Vector<byte>.Count)
        {
            var w = new Vector<int>(weight);
            Span<Vector<int>> wide = MemoryMarshal.Cast<int, Vector<int>>(sums);
            for (; i + Vector<byte>.Count <= row.Length; i += Vector<byte>.Count)
            {
                Vector.Widen(new Vector<byte>(row[i..]), out Vector<ushort> lo, out Vector<ushort> hi);
                Vector.Widen(lo, out Vector<uint> a, out Vector<uint> b);
                Vector.Widen(hi, out Vector<uint> c, out Vector<uint> d);
                int v = i / Vector<int>.Count;
                wide[v] += Vector.AsVectorInt32(a) * w;
                wide[v + 1] += Vector.AsVectorInt32(b) * w;
                wide[v + 2] += Vector.AsVectorInt32(c) * w;
                wide[v + 3] += Vector.AsVectorInt32(d) * w;
            }
        }

        for (; i < row.Length; i++)
        {
            sums[i] += row[i] * weight;
        }
    }

    private static byte Clip(int value)
    {
        int shifted = value >> PrecisionBits;
        return (byte)Math.Clamp(shifted, 0, 255);
    }

    private static double Bicubic(double x)
    {
        const double a = -0.5;
        x = Math.Abs(x);
        if (x < 1.0)
        {
            return ((((a + 2.0) * x) - (a + 3.0)) * x * x) + 1;
        }

        return x < 2.0 ? ((((x - 5) * x) + 8) * x - 4) * a : 0.0;
    }

    /// <summary>Pillow's precompute_coeffs + normalize_coeffs_8bpc for one axis.</summary>
    private sealed class Kernel
    {
        private readonly int[] _weights;
        private readonly int[] _counts;
        private readonly int _size;

        private Kernel(int[] first, int[] counts, int[] weights, int size)
        {
            First = first;
            _counts = counts;
            _weights = weights;
            _size = size;
        }

        public int[] First { get; }

        public ReadOnlySpan<int> Weights(int output) => _weights.AsSpan(output * _size, _counts[output]);

        public static Kernel Create(int inSize, int outSize)
        {
            double scale = (double)inSize / outSize;
            double filterScale = Math.Max(scale, 1.0);
            double support = Support * filterScale;
            int size = ((int)Math.Ceiling(support) * 2) + 1;
            var first = new int[outSize];
            var counts = new int[outSize];
            var weights = new int[outSize * size];
            var k = new double[size];
            for (int xx = 0; xx < outSize; xx++)
            {
                double center = (xx + 0.5) * scale;
                double ss = 1.0 / filterScale;
                int xmin = Math.Max((int)(center - support + 0.5), 0);
                int xmax = Math.Min((int)(center + support + 0.5), inSize) - xmin;
                double total = 0;
                for (int x = 0; x < xmax; x++)
                {
                    k[x] = Bicubic((x + xmin - center + 0.5) * ss);
                    total += k[x];
                }

                for (int x = 0; x < xmax; x++)
                {
                    double normalised = total != 0.0 ? k[x] / total : k[x];
                    weights[(xx * size) + x] = normalised < 0
                        ? (int)(-0.5 + (normalised * (1 << PrecisionBits)))
                        : (int)(0.5 + (normalised * (1 << PrecisionBits)));
                }

                first[xx] = xmin;
                counts[xx] = xmax;
            }

            return new Kernel(first, counts, weights, size);
        }
    }
}
