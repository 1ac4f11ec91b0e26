namespace Qwen.Onnx.Vision.Preprocessing;

/// <summary>
/// Rescales, normalises and cuts a resized RGB image into Qwen-VL's <c>pixel_values</c> rows. Normalisation uses
/// the reference's arithmetic (rescale in double, cast to float, then (x − mean) / std in float), precomputed as one
/// 256-entry table per channel, so every value is bit-identical to the Python processor's.
/// </summary>
internal sealed class Patchifier
{
    private readonly QwenImageProcessorOptions _options;
    private readonly float[][] _tables;

    public Patchifier(QwenImageProcessorOptions options)
    {
        _options = options;
        _tables = new float[3][];
        for (int c = 0; c < 3; c++)
        {
            float mean = options.ImageMean[c], std = options.ImageStd[c];
            _tables[c] = new float[256];
            for (int v = 0; v < 256; v++)
            {
                float rescaled = (float)(v * options.RescaleFactor);
                _tables[c][v] = (rescaled - mean) / std;
            }
        }
    }

    /// <summary>
    /// Writes rows in the reference order: rows run over (temporal, block row, block column, row in block, column in
    /// block); a row's columns over (channel, frame, y, x). A still image fills every frame of its temporal patch.
    /// </summary>
    public void Write(RgbImage image, Span<float> destination)
    {
        int p = _options.PatchSize, m = _options.MergeSize, frames = _options.TemporalPatchSize;
        int gridH = image.Height / p, gridW = image.Width / p;
        int frameLength = p * p;
        int rowLength = _options.PatchLength;
        if (destination.Length < gridH * gridW * rowLength)
        {
            throw new ArgumentException("The destination is too small for the image's patches.", nameof(destination));
        }

        ReadOnlySpan<byte> pixels = image.Pixels;
        float[] red = _tables[0], green = _tables[1], blue = _tables[2];
        int row = 0;
        for (int bh = 0; bh < gridH / m; bh++)
        {
            for (int bw = 0; bw < gridW / m; bw++)
            {
                for (int mh = 0; mh < m; mh++)
                {
                    for (int mw = 0; mw < m; mw++, row++)
                    {
                        Span<float> patch = destination.Slice(row * rowLength, rowLength);
                        int y0 = ((bh * m) + mh) * p, x0 = ((bw * m) + mw) * p;
                        Span<float> r = patch[..frameLength];
                        Span<float> g = patch.Slice(frames * frameLength, frameLength);
                        Span<float> b = patch.Slice(2 * frames * frameLength, frameLength);
                        for (int py = 0; py < p; py++)
                        {
                            ReadOnlySpan<byte> src = pixels.Slice((((y0 + py) * image.Width) + x0) * 3, p * 3);
                            int o = py * p;
                            for (int px = 0, i = 0; px < p; px++, i += 3)
                            {
                                r[o + px] = red[src[i]];
                                g[o + px] = green[src[i + 1]];
                                b[o + px] = blue[src[i + 2]];
                            }
                        }

                        for (int c = 0; c < 3; c++)
                        {
                            Span<float> first = patch.Slice(c * frames * frameLength, frameLength);
                            for (int t = 1; t < frames; t++)
                            {
                                first.CopyTo(patch.Slice(((c * frames) + t) * frameLength, frameLength));
                            }
                        }
                    }
                }
            }
        }
    }
}
