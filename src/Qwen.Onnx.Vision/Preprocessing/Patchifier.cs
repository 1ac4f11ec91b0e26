using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Qwen.Onnx.Vision.Preprocessing;

/// <summary>
/// Rescales, normalises and cuts a resized RGB image into Qwen-VL's <c>pixel_values</c> rows. Normalisation uses
/// the reference's arithmetic (rescale in double, cast to float, then (x − mean) / std in float), precomputed as one
/// 256-entry table per channel, so every value is bit-identical to the Python processor's.
/// </summary>
internal sealed class Patchifier
{
    private const long StreamingThresholdBytes = 8L << 20;

    private readonly QwenImageProcessorOptions _options;
    private readonly float[] _tables;
    private readonly Vector256<float>[] _means;
    private readonly Vector256<float>[] _stds;
    private readonly float _divisor;
    private readonly bool _floatDivisionIsExact = true;

    public Patchifier(QwenImageProcessorOptions options)
    {
        _options = options;
        _divisor = (float)Math.Round(1 / options.RescaleFactor);
        _means = [.. options.ImageMean.Select(Vector256.Create)];
        _stds = [.. options.ImageStd.Select(Vector256.Create)];
        _tables = new float[3 * 256];
        for (int c = 0; c < 3; c++)
        {
            float mean = options.ImageMean[c], std = options.ImageStd[c];
            for (int v = 0; v < 256; v++)
            {
                float rescaled = (float)(v * options.RescaleFactor);
                _tables[(c * 256) + v] = (rescaled - mean) / std;
                _floatDivisionIsExact &= v / _divisor == rescaled;
            }
        }
    }

    /// <summary>
    /// Writes rows in the reference order: rows run over (temporal, block row, block column, row in block, column in
    /// block); a row's columns over (channel, frame, y, x). A still image fills every frame of its temporal patch.
    /// </summary>
    public void Write(RgbImage image, Span<float> destination)
    {
        int band = _options.PatchSize * _options.MergeSize;
        for (int blockRow = 0; blockRow < image.Height / band; blockRow++)
        {
            WriteBlockRow(image.Pixels.AsSpan(blockRow * band * image.Stride, band * image.Stride), image.Width, image.Height, blockRow, destination);
        }
    }

    /// <summary>
    /// Writes the pixel_values rows of one block row (patch × merge image rows, given as <paramref name="band"/>), so a
    /// caller can resize a band and patchify it while it is still in cache.
    /// </summary>
    /// <param name="band">The image rows of the block row.</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height (the whole image's, to size the output).</param>
    /// <param name="blockRow">Which block row.</param>
    /// <param name="destination">The whole pixel_values buffer.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public unsafe void WriteBlockRow(ReadOnlySpan<byte> band, int width, int height, int blockRow, Span<float> destination)
    {
        int p = _options.PatchSize, m = _options.MergeSize, frames = _options.TemporalPatchSize;
        int gridH = height / p, gridW = width / p;
        int frameLength = p * p, rowLength = _options.PatchLength, stride = width * 3;
        if (destination.Length < gridH * gridW * rowLength || band.Length < p * m * stride)
        {
            throw new ArgumentException("The destination or band is too small for the image's patches.", nameof(destination));
        }

        bool vectorised = Avx2.IsSupported && _floatDivisionIsExact && p >= 8 && frames == 2;

        // Outputs larger than the cache are built row by row in L1 and streamed out past the cache; otherwise
        // tens of megabytes of pixel_values would first be read into the cache only to be overwritten.
        bool streamed = vectorised && (long)gridH * gridW * rowLength * sizeof(float) > StreamingThresholdBytes;
        float* scratch = stackalloc float[streamed ? rowLength : 0];
        fixed (byte* pixels = band)
        fixed (float* tables = _tables, output = destination)
        {
            float* row = output + ((long)blockRow * (gridW / m) * m * m * rowLength);
            for (int bw = 0; bw < gridW / m; bw++)
            {
                for (int mh = 0; mh < m; mh++)
                {
                    for (int mw = 0; mw < m; mw++, row += rowLength)
                    {
                        byte* origin = pixels + ((mh * p) * stride) + ((((bw * m) + mw) * p) * 3);
                        if (streamed)
                        {
                            WriteBothFramesAvx2(origin, stride, p, scratch, frameLength);
                            StreamRow(scratch, row, rowLength);
                            continue;
                        }

                        if (vectorised)
                        {
                            WriteBothFramesAvx2(origin, stride, p, row, frameLength);
                            continue;
                        }

                        WriteFirstFrame(origin, stride, p, tables, row, frames * frameLength);
                        for (int c = 0; c < 3; c++)
                        {
                            var first = new Span<float>(row + (c * frames * frameLength), frameLength);
                            for (int t = 1; t < frames; t++)
                            {
                                first.CopyTo(new Span<float>(row + (((c * frames) + t) * frameLength), frameLength));
                            }
                        }
                    }
                }
            }

            if (streamed)
            {
                Sse.StoreFence();
            }
        }
    }

    /// <summary>Copies a row with non-temporal 32-byte stores where the destination is aligned, plain copies at the ends.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StreamRow(float* source, float* destination, int length)
    {
        int head = Math.Min(length, (int)((32 - ((nuint)destination & 31)) & 31) / sizeof(float));
        int i = 0;
        for (; i < head; i++)
        {
            destination[i] = source[i];
        }

        for (; i + 8 <= length; i += 8)
        {
            Avx.StoreAlignedNonTemporal(destination + i, Avx.LoadVector256(source + i));
        }

        for (; i < length; i++)
        {
            destination[i] = source[i];
        }
    }

    /// <summary>
    /// Both frames of a still image's temporal patch with AVX2. Eight pixels at a time: shuffles pick one channel's
    /// bytes out of the interleaved RGB; they are rescaled by a float division that the constructor proved equal to the
    /// reference's double rescale for all 256 values, normalised in float, and stored into both frames. A row of p pixels is covered by vectors at 0, 8, ... and one
    /// ending exactly at p (overlaps rewrite the same values); reads stay within the patch's 3·p bytes of each row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void WriteBothFramesAvx2(byte* origin, int stride, int p, float* row, int frameLength)
    {
        Vector256<float> divisor = Vector256.Create(_divisor);
        for (int py = 0; py < p; py++)
        {
            byte* src = origin + (py * stride);
            float* rowOut = row + (py * p);
            for (int px = 0; ; px += 8)
            {
                int at = Math.Min(px, p - 8);
                byte* pixel = src + (at * 3);
                Vector128<byte> low = Vector128.Load(pixel);
                Vector128<byte> high = Vector128.Load(pixel + 8);
                for (int c = 0; c < 3; c++)
                {
                    Vector128<byte> bytes = Sse2.Or(Ssse3.Shuffle(low, LowMasks[c]), Ssse3.Shuffle(high, HighMasks[c]));
                    Vector256<float> rescaled = Avx.Divide(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(bytes)), divisor);
                    Vector256<float> values = Avx.Divide(Avx.Subtract(rescaled, _means[c]), _stds[c]);
                    float* channel = rowOut + (c * 2 * frameLength) + at;
                    values.Store(channel);
                    values.Store(channel + frameLength);
                }

                if (at == p - 8)
                {
                    break;
                }
            }
        }
    }

    /// <summary>pshufb masks that pick channel c of pixels 0..5 from bytes 0..15 (0x80 zeroes a lane).</summary>
    private static readonly Vector128<byte>[] LowMasks =
    [
        Vector128.Create((byte)0, 3, 6, 9, 12, 15, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80),
        Vector128.Create((byte)1, 4, 7, 10, 13, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80),
        Vector128.Create((byte)2, 5, 8, 11, 14, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80),
    ];

    /// <summary>pshufb masks that pick channel c of the remaining pixels of eight from bytes 8..23.</summary>
    private static readonly Vector128<byte>[] HighMasks =
    [
        Vector128.Create((byte)0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 10, 13, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80),
        Vector128.Create((byte)0x80, 0x80, 0x80, 0x80, 0x80, 8, 11, 14, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80),
        Vector128.Create((byte)0x80, 0x80, 0x80, 0x80, 0x80, 9, 12, 15, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80),
    ];

    /// <summary>The first frame of each channel of one patch: p rows of p pixels through the channel tables.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void WriteFirstFrame(byte* origin, int stride, int p, float* tables, float* row, int channelStride)
    {
        float* red = row, green = row + channelStride, blue = row + (2 * channelStride);
        float* redTable = tables, greenTable = tables + 256, blueTable = tables + 512;
        for (int py = 0; py < p; py++)
        {
            byte* src = origin + (py * stride);
            for (int px = 0; px < p; px++, src += 3)
            {
                *red++ = redTable[src[0]];
                *green++ = greenTable[src[1]];
                *blue++ = blueTable[src[2]];
            }
        }
    }
}
