namespace Qwen.Onnx.Vision.Preprocessing;

/// <summary>
/// Rescales, normalises and cuts a resized RGB image into Qwen-VL's <c>pixel_values</c> rows. Normalisation uses
/// the reference's arithmetic (rescale in double, cast to float, then (x − mean) / std in float), precomputed as one
/// 256-entry table per channel, so every value is bit-identical to the Python processor's.
/// </summary>
internal sealed class Patchifier
{
    private readonly QwenImageProcessorOptions _options;
    private readonly float[] _tables;

    public Patchifier(QwenImageProcessorOptions options)
    {
        _options = options;
        _tables = new float[3 * 256];
        for (int c = 0; c < 3; c++)
        {
            float mean = options.ImageMean[c], std = options.ImageStd[c];
            for (int v = 0; v < 256; v++)
            {
                float rescaled = (float)(v * options.RescaleFactor);
                _tables[(c * 256) + v] = (rescaled - mean) / std;
            }
        }
    }

    /// <summary>
    /// Writes rows in the reference order: rows run over (temporal, block row, block column, row in block, column in
    /// block); a row's columns over (channel, frame, y, x). A still image fills every frame of its temporal patch.
    /// </summary>
    public unsafe void Write(RgbImage image, Span<float> destination)
    {
        int p = _options.PatchSize, m = _options.MergeSize, frames = _options.TemporalPatchSize;
        int gridH = image.Height / p, gridW = image.Width / p;
        int frameLength = p * p, rowLength = _options.PatchLength, stride = image.Stride;
        if (destination.Length < gridH * gridW * rowLength)
        {
            throw new ArgumentException("The destination is too small for the image's patches.", nameof(destination));
        }

        fixed (byte* pixels = image.Pixels)
        fixed (float* tables = _tables, output = destination)
        {
            float* row = output;
            for (int bh = 0; bh < gridH / m; bh++)
            {
                for (int bw = 0; bw < gridW / m; bw++)
                {
                    for (int mh = 0; mh < m; mh++)
                    {
                        for (int mw = 0; mw < m; mw++, row += rowLength)
                        {
                            byte* origin = pixels + ((((bh * m) + mh) * p) * stride) + ((((bw * m) + mw) * p) * 3);
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
            }
        }
    }

    /// <summary>The first frame of each channel of one patch: p rows of p pixels through the channel tables.</summary>
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
