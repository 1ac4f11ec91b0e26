using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
        using var plan = new ResizePlan(source, width, height);
        var pixels = new byte[width * height * 3];
        plan.WriteRows(0, height, pixels);
        return new RgbImage(pixels, width, height);
    }

    /// <summary>
    /// A resize computed band by band: <see cref="WriteRows"/> produces any range of output rows, running the
    /// horizontal pass only on the input rows that band needs, so a caller can consume each band while it is in cache
    /// (and the computing overlaps the caller's memory traffic). Rows at band edges are computed twice; the result is
    /// identical to resizing the whole image at once.
    /// </summary>
    internal sealed class ResizePlan : IDisposable
    {
        private readonly RgbImage _source;
        private readonly int _width;
        private readonly Kernel? _horizontal;
        private readonly int[] _pairWeights;
        private readonly int[] _quadWeights;
        private readonly Kernel? _vertical;
        private byte[] _rows = [];

        public ResizePlan(RgbImage source, int width, int height)
        {
            ArgumentNullException.ThrowIfNull(source);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
            _source = source;
            _width = width;
            _horizontal = width == source.Width ? null : Kernel.Create(source.Width, width);
            _pairWeights = _horizontal is not null && Avx2.IsSupported ? _horizontal.PairWeights() : [];
            _quadWeights = _horizontal is not null && Avx512F.IsSupported ? _horizontal.QuadWeights() : [];
            _vertical = height == source.Height ? null : Kernel.Create(source.Height, height);
        }

        /// <summary>Writes output rows [first, first + count) to the start of <paramref name="destination"/>.</summary>
        public void WriteRows(int first, int count, Span<byte> destination)
        {
            int sourceFirst = _vertical?.First[first] ?? first;
            int sourceEnd = first + count;
            if (_vertical is not null)
            {
                sourceEnd = 0;
                for (int y = first; y < first + count; y++)
                {
                    sourceEnd = Math.Max(sourceEnd, _vertical.First[y] + _vertical.Counts[y]);
                }
            }

            int stride = _width * 3;
            ReadOnlySpan<byte> rows;
            if (_horizontal is null)
            {
                rows = _source.Pixels.AsSpan(sourceFirst * stride, (sourceEnd - sourceFirst) * stride);
            }
            else
            {
                int needed = (sourceEnd - sourceFirst) * stride;
                if (_rows.Length < needed)
                {
                    ArrayPool<byte>.Shared.Return(_rows);
                    _rows = ArrayPool<byte>.Shared.Rent(needed);
                }

                HorizontalRows(_source, _horizontal, _pairWeights, _quadWeights, sourceFirst, sourceEnd - sourceFirst, _rows);
                rows = _rows.AsSpan(0, needed);
            }

            if (_vertical is null)
            {
                rows[..(count * stride)].CopyTo(destination);
                return;
            }

            VerticalRows(rows, sourceFirst, stride, _vertical, first, count, destination);
        }

        public void Dispose()
        {
            if (_rows.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_rows);
                _rows = [];
            }
        }
    }

    /// <summary>
    /// The horizontal pass over input rows [first, first + count), written to the start of the destination. Each
    /// output pixel is a weighted sum of a few neighbouring input pixels; the three channels share the weights.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void HorizontalRows(RgbImage source, Kernel kernel, int[] pairWeights, int[] quadWeights, int first, int count, Span<byte> destination)
    {
        int width = kernel.First.Length, stride = source.Stride, size = kernel.Size;
        fixed (byte* inBase = source.Pixels, outBase = destination)
        fixed (int* weightBase = kernel.AllWeights, firstBase = kernel.First, countBase = kernel.Counts, pairBase = pairWeights, quadBase = quadWeights)
        {
            byte* inEnd = inBase + source.Length;
            for (int y = 0; y < count; y++)
            {
                byte* row = inBase + ((long)(first + y) * stride);
                byte* outPixel = outBase + ((long)y * width * 3);
                int x = 0;
                if (Avx512F.IsSupported)
                {
                    // Four output pixels per 512-bit vector where their taps start at consecutive input pixels (scales
                    // near 1); the 16-byte store spills into the next two pixels, which are written afterwards.
                    for (; x + 6 <= width; x += 4, outPixel += 12)
                    {
                        byte* a = row + (firstBase[x] * 3);
                        int taps = Math.Max(Math.Max(countBase[x], countBase[x + 1]), Math.Max(countBase[x + 2], countBase[x + 3]));
                        if (row + ((firstBase[x + 3] + taps) * 3) + 16 > inEnd)
                        {
                            break;
                        }

                        if (firstBase[x + 3] == firstBase[x] + 3 && firstBase[x + 1] == firstBase[x] + 1)
                        {
                            HorizontalAdjacentQuadAvx512(a, quadBase + (x / 4 * size * 16), taps, outPixel);
                            continue;
                        }

                        // Taps not one pixel apart: two pairs (their reads end before the bound checked above).
                        HorizontalPairAvx2(a, row + (firstBase[x + 1] * 3), pairBase + (x / 2 * size * 8), Math.Max(countBase[x], countBase[x + 1]), outPixel);
                        HorizontalPairAvx2(row + (firstBase[x + 2] * 3), row + (firstBase[x + 3] * 3), pairBase + ((x / 2 + 1) * size * 8), Math.Max(countBase[x + 2], countBase[x + 3]), outPixel + 6);
                    }
                }

                if (Avx2.IsSupported)
                {
                    // Two output pixels per 256-bit vector; the last pixel of a row (and any pair whose reads would
                    // pass the image's end) takes the scalar path below.
                    for (; x + 2 < width; x += 2, outPixel += 6)
                    {
                        byte* a = row + (firstBase[x] * 3), b = row + (firstBase[x + 1] * 3);
                        int taps = Math.Max(countBase[x], countBase[x + 1]);
                        if (b + (taps * 3) + 5 > inEnd || a + (taps * 3) + 5 > inEnd)
                        {
                            break;
                        }

                        if (b == a + 3)
                        {
                            HorizontalAdjacentPairAvx2(a, pairBase + (x / 2 * size * 8), taps, outPixel);
                        }
                        else
                        {
                            HorizontalPairAvx2(a, b, pairBase + (x / 2 * size * 8), taps, outPixel);
                        }
                    }
                }

                for (; x < width; x++, outPixel += 3)
                {
                    byte* pixel = row + (firstBase[x] * 3);
                    int* w = weightBase + (x * size);
                    int r = 1 << (PrecisionBits - 1), g = r, b = r;
                    for (int k = 0; k < countBase[x]; k++, pixel += 3)
                    {
                        r += pixel[0] * w[k];
                        g += pixel[1] * w[k];
                        b += pixel[2] * w[k];
                    }

                    outPixel[0] = Clip(r);
                    outPixel[1] = Clip(g);
                    outPixel[2] = Clip(b);
                }
            }
        }
    }

    /// <summary>
    /// The vertical pass for output rows [first, first + count), from <paramref name="rows"/> (input rows starting at
    /// <paramref name="rowsFirst"/>). Each output row is a weighted sum of a few whole input rows, one weight per row:
    /// vectorised across the row with AVX2, the tail and other processors in scalar code.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void VerticalRows(ReadOnlySpan<byte> rows, int rowsFirst, int stride, Kernel kernel, int first, int count, Span<byte> destination)
    {
        for (int y = first; y < first + count; y++)
        {
            ReadOnlySpan<int> weights = kernel.Weights(y);
            ReadOnlySpan<byte> taps = rows.Slice((kernel.First[y] - rowsFirst) * stride, weights.Length * stride);
            Span<byte> outRow = destination.Slice((y - first) * stride, stride);
            int i = Avx2.IsSupported ? VerticalChunksAvx2(taps, stride, weights, outRow) : 0;
            for (; i < stride; i++)
            {
                int sum = 1 << (PrecisionBits - 1);
                for (int k = 0; k < weights.Length; k++)
                {
                    sum += taps[(k * stride) + i] * weights[k];
                }

                outRow[i] = Clip(sum);
            }
        }
    }

    /// <summary>
    /// <see cref="HorizontalPairAvx2"/> for the common case where the second pixel's taps start one input pixel after
    /// the first's (scales near 1): one 8-byte load per tap, shuffled into both pixels' (R, G, B, next) bytes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void HorizontalAdjacentPairAvx2(byte* first, int* pairWeights, int count, byte* output)
    {
        Vector128<byte> spread = Vector128.Create((byte)0, 1, 2, 3, 3, 4, 5, 6, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80);
        Vector256<int> sum = Vector256.Create(1 << (PrecisionBits - 1));
        for (int k = 0; k < count; k++, first += 3)
        {
            Vector128<byte> bytes = Ssse3.Shuffle(Vector128.CreateScalarUnsafe(*(long*)first).AsByte(), spread);
            sum = Avx2.Add(sum, Avx2.MultiplyLow(Avx2.ConvertToVector256Int32(bytes), Vector256.Load(pairWeights + (k * 8))));
        }

        StorePair(sum, output);
    }

    /// <summary>
    /// Four neighbouring output pixels whose taps start one input pixel apart: one 16-byte load per tap, shuffled into
    /// the four pixels' (R, G, B, next) bytes and widened to sixteen ints; each group of four weighted by its pixel's
    /// weight (<see cref="Kernel.QuadWeights"/>). Sums are clamped to 0..255, narrowed and compacted to 12 RGB bytes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void HorizontalAdjacentQuadAvx512(byte* first, int* quadWeights, int count, byte* output)
    {
        Vector128<byte> spread = Vector128.Create((byte)0, 1, 2, 3, 3, 4, 5, 6, 6, 7, 8, 9, 9, 10, 11, 12);
        Vector512<int> sum = Vector512.Create(1 << (PrecisionBits - 1));
        for (int k = 0; k < count; k++, first += 3)
        {
            Vector512<int> taps = Avx512F.ConvertToVector512Int32(Ssse3.Shuffle(Vector128.Load(first), spread));
            sum = Avx512F.Add(sum, Avx512F.MultiplyLow(taps, Vector512.Load(quadWeights + (k * 16))));
        }

        Vector512<int> clamped = Avx512F.Max(Avx512F.ShiftRightArithmetic(sum, PrecisionBits), Vector512<int>.Zero);
        Vector128<byte> bytes = Avx512F.ConvertToVector128ByteWithSaturation(clamped.AsUInt32());
        Vector128<byte> compact = Vector128.Create((byte)0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 0x80, 0x80, 0x80, 0x80);
        Ssse3.Shuffle(bytes, compact).Store(output);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StorePair(Vector256<int> sum, byte* output)
    {
        Vector256<short> words = Avx2.PackSignedSaturate(Avx2.ShiftRightArithmetic(sum, PrecisionBits), Vector256<int>.Zero);
        Vector256<byte> packed = Avx2.PackUnsignedSaturate(words, Vector256<short>.Zero);
        *(int*)output = packed.AsInt32().GetElement(0);
        *(int*)(output + 3) = packed.AsInt32().GetElement(4);
    }

    /// <summary>
    /// Two neighbouring output pixels: each tap's (R, G, B, next) bytes of both pixels widen to eight ints, the low
    /// four weighted by the first pixel's tap weight and the high four by the second's (see
    /// <see cref="Kernel.PairWeights"/>). A tap past a pixel's own count has weight zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void HorizontalPairAvx2(byte* first, byte* second, int* pairWeights, int count, byte* output)
    {
        Vector256<int> sum = Vector256.Create(1 << (PrecisionBits - 1));
        for (int k = 0; k < count; k++, first += 3, second += 3)
        {
            Vector128<int> bytes = Sse2.UnpackLow(Vector128.CreateScalarUnsafe(*(int*)first), Vector128.CreateScalarUnsafe(*(int*)second));
            Vector256<int> taps = Avx2.ConvertToVector256Int32(bytes.AsByte());
            sum = Avx2.Add(sum, Avx2.MultiplyLow(taps, Vector256.Load(pairWeights + (k * 8))));
        }

        StorePair(sum, output);
    }

    /// <summary>
    /// Computes 32-byte chunks of one output row with AVX2; returns how many bytes it wrote. Each tap's bytes widen
    /// to ints and accumulate in registers; the sums are shifted, saturated to 0..255 and packed back in order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe int VerticalChunksAvx2(ReadOnlySpan<byte> rows, int stride, ReadOnlySpan<int> weights, Span<byte> outRow)
    {
        int i = 0;
        Vector256<int> bias = Vector256.Create(1 << (PrecisionBits - 1));
        Vector256<int> order = Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7);
        fixed (byte* source = rows, destination = outRow)
        fixed (int* w = weights)
        {
            for (; i + 32 <= stride; i += 32)
            {
                Vector256<int> a = bias, b = bias, c = bias, d = bias;
                byte* tap = source + i;
                for (int k = 0; k < weights.Length; k++, tap += stride)
                {
                    Vector256<int> weight = Vector256.Create(w[k]);
                    a = Avx2.Add(a, Avx2.MultiplyLow(Avx2.ConvertToVector256Int32(tap), weight));
                    b = Avx2.Add(b, Avx2.MultiplyLow(Avx2.ConvertToVector256Int32(tap + 8), weight));
                    c = Avx2.Add(c, Avx2.MultiplyLow(Avx2.ConvertToVector256Int32(tap + 16), weight));
                    d = Avx2.Add(d, Avx2.MultiplyLow(Avx2.ConvertToVector256Int32(tap + 24), weight));
                }

                Vector256<short> ab = Avx2.PackSignedSaturate(Avx2.ShiftRightArithmetic(a, PrecisionBits), Avx2.ShiftRightArithmetic(b, PrecisionBits));
                Vector256<short> cd = Avx2.PackSignedSaturate(Avx2.ShiftRightArithmetic(c, PrecisionBits), Avx2.ShiftRightArithmetic(d, PrecisionBits));
                Vector256<byte> packed = Avx2.PackUnsignedSaturate(ab, cd);
                Avx2.PermuteVar8x32(packed.AsInt32(), order).AsByte().Store(destination + i);
            }
        }

        return i;
    }

    private static byte Clip(int value)
    {
        int shifted = value >> PrecisionBits;
        return (uint)shifted <= 255 ? (byte)shifted : shifted < 0 ? (byte)0 : (byte)255;
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
        private Kernel(int[] first, int[] counts, int[] weights, int size)
        {
            First = first;
            Counts = counts;
            AllWeights = weights;
            Size = size;
        }

        /// <summary>First input index of each output.</summary>
        public int[] First { get; }

        /// <summary>Taps of each output.</summary>
        public int[] Counts { get; }

        /// <summary>Fixed-point weights, <see cref="Size"/> slots per output.</summary>
        public int[] AllWeights { get; }

        /// <summary>Slots per output.</summary>
        public int Size { get; }

        public ReadOnlySpan<int> Weights(int output) => AllWeights.AsSpan(output * Size, Counts[output]);

        /// <summary>For each quad of outputs (4i..4i+3) and tap slot: each output's weight four times, in output order.</summary>
        public int[] QuadWeights()
        {
            int quads = (First.Length + 3) / 4;
            var quadWeights = new int[quads * Size * 16];
            for (int x = 0; x < First.Length; x++)
            {
                for (int k = 0; k < Size; k++)
                {
                    quadWeights.AsSpan((((x / 4 * Size) + k) * 16) + (x % 4 * 4), 4).Fill(AllWeights[(x * Size) + k]);
                }
            }

            return quadWeights;
        }

        /// <summary>
        /// For each pair of outputs (2i, 2i+1) and each tap slot: the first output's weight four times, then the
        /// second's four times, ready to multiply a pair of widened RGB pixels. Unused slots are zero.
        /// </summary>
        public int[] PairWeights()
        {
            int pairs = (First.Length + 1) / 2;
            var pairWeights = new int[pairs * Size * 8];
            for (int x = 0; x < First.Length; x++)
            {
                for (int k = 0; k < Size; k++)
                {
                    pairWeights.AsSpan((((x / 2 * Size) + k) * 8) + (x % 2 * 4), 4).Fill(AllWeights[(x * Size) + k]);
                }
            }

            return pairWeights;
        }

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
