using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Qwen.Onnx.Audio.Features;

/// <summary>
/// A real FFT of 400 samples, for eight frames at once: lane i of every vector belongs to frame i, so each butterfly
/// is one vector operation for eight frames. The 400 real samples are packed into a 200-point complex transform
/// (even samples real, odd imaginary), computed by a Stockham autosort FFT with radix-5, 5, 4 and 2 butterflies,
/// then unpacked into the 201 bins of the real spectrum. Plan (twiddles) built once; not thread-safe (scratch).
/// </summary>
internal sealed class BatchedRealFft
{
    public const int Length = 400;
    public const int Bins = (Length / 2) + 1;
    private const int Half = Length / 2;
    private static readonly int[] Radices = [5, 5, 4, 2];

    private readonly float[][] _stageCos;
    private readonly float[][] _stageSin;
    private readonly float[] _unpackCos = new float[Bins];
    private readonly float[] _unpackSin = new float[Bins];
    private readonly Vector256<float>[] _re = new Vector256<float>[Half];
    private readonly Vector256<float>[] _im = new Vector256<float>[Half];
    private readonly Vector256<float>[] _re2 = new Vector256<float>[Half];
    private readonly Vector256<float>[] _im2 = new Vector256<float>[Half];

    public BatchedRealFft()
    {
        _stageCos = new float[Radices.Length][];
        _stageSin = new float[Radices.Length][];
        int n = Half;
        for (int stage = 0; stage < Radices.Length; stage++)
        {
            int r = Radices[stage], m = n / r;
            _stageCos[stage] = new float[m * r];
            _stageSin[stage] = new float[m * r];
            for (int p = 0; p < m; p++)
            {
                for (int j = 0; j < r; j++)
                {
                    double angle = -2 * Math.PI * p * j / n;
                    _stageCos[stage][(p * r) + j] = (float)Math.Cos(angle);
                    _stageSin[stage][(p * r) + j] = (float)Math.Sin(angle);
                }
            }

            n = m;
        }

        for (int k = 0; k < Bins; k++)
        {
            _unpackCos[k] = (float)Math.Cos(-2 * Math.PI * k / Length);
            _unpackSin[k] = (float)Math.Sin(-2 * Math.PI * k / Length);
        }
    }

    /// <summary>
    /// Power spectra of eight frames. <paramref name="frames"/> holds sample n of frame i at [n * 8 + i] (already
    /// windowed); <paramref name="power"/> receives |X[k]|² of frame i at [k].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Power(ReadOnlySpan<Vector256<float>> frames, Span<Vector256<float>> power)
    {
        for (int n = 0; n < Half; n++)
        {
            _re[n] = frames[2 * n];
            _im[n] = frames[(2 * n) + 1];
        }

        (Vector256<float>[] re, Vector256<float>[] im) = Transform();
        var half = Vector256.Create(0.5f);
        for (int k = 0; k < Bins; k++)
        {
            // X[k] = E + W^k O with E = (Z[k] + conj Z[N-k]) / 2 and O = (Z[k] - conj Z[N-k]) / 2i.
            int a = k % Half, b = (Half - k) % Half;
            Vector256<float> eRe = (re[a] + re[b]) * half, eIm = (im[a] - im[b]) * half;
            Vector256<float> oRe = (im[a] + im[b]) * half, oIm = (re[b] - re[a]) * half;
            var c = Vector256.Create(_unpackCos[k]);
            var s = Vector256.Create(_unpackSin[k]);
            Vector256<float> xRe = eRe + (c * oRe) - (s * oIm);
            Vector256<float> xIm = eIm + (c * oIm) + (s * oRe);
            power[k] = (xRe * xRe) + (xIm * xIm);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private (Vector256<float>[] Re, Vector256<float>[] Im) Transform()
    {
        Vector256<float>[] xr = _re, xi = _im, yr = _re2, yi = _im2;
        int n = Half, s = 1;
        for (int stage = 0; stage < Radices.Length; stage++)
        {
            int r = Radices[stage], m = n / r;
            float[] cos = _stageCos[stage], sin = _stageSin[stage];
            for (int p = 0; p < m; p++)
            {
                for (int q = 0; q < s; q++)
                {
                    switch (r)
                    {
                        case 5:
                            Radix5(xr, xi, yr, yi, q, s, p, m, cos, sin);
                            break;
                        case 4:
                            Radix4(xr, xi, yr, yi, q, s, p, m, cos, sin);
                            break;
                        default:
                            Radix2(xr, xi, yr, yi, q, s, p, m, cos, sin);
                            break;
                    }
                }
            }

            (xr, yr) = (yr, xr);
            (xi, yi) = (yi, xi);
            n = m;
            s *= r;
        }

        return (xr, xi);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<float>[] yr, Vector256<float>[] yi, int index, Vector256<float> re, Vector256<float> im, float cos, float sin)
    {
        var c = Vector256.Create(cos);
        var s = Vector256.Create(sin);
        yr[index] = (re * c) - (im * s);
        yi[index] = (re * s) + (im * c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Radix2(Vector256<float>[] xr, Vector256<float>[] xi, Vector256<float>[] yr, Vector256<float>[] yi, int q, int s, int p, int m, float[] cos, float[] sin)
    {
        Vector256<float> ar = xr[q + (s * p)], ai = xi[q + (s * p)];
        Vector256<float> br = xr[q + (s * (p + m))], bi = xi[q + (s * (p + m))];
        int o = q + (s * 2 * p);
        yr[o] = ar + br;
        yi[o] = ai + bi;
        Store(yr, yi, o + s, ar - br, ai - bi, cos[(p * 2) + 1], sin[(p * 2) + 1]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Radix4(Vector256<float>[] xr, Vector256<float>[] xi, Vector256<float>[] yr, Vector256<float>[] yi, int q, int s, int p, int m, float[] cos, float[] sin)
    {
        Vector256<float> a0r = xr[q + (s * p)], a0i = xi[q + (s * p)];
        Vector256<float> a1r = xr[q + (s * (p + m))], a1i = xi[q + (s * (p + m))];
        Vector256<float> a2r = xr[q + (s * (p + (2 * m)))], a2i = xi[q + (s * (p + (2 * m)))];
        Vector256<float> a3r = xr[q + (s * (p + (3 * m)))], a3i = xi[q + (s * (p + (3 * m)))];
        Vector256<float> t0r = a0r + a2r, t0i = a0i + a2i, t1r = a0r - a2r, t1i = a0i - a2i;
        Vector256<float> t2r = a1r + a3r, t2i = a1i + a3i, t3r = a1r - a3r, t3i = a1i - a3i;
        int o = q + (s * 4 * p);
        yr[o] = t0r + t2r;
        yi[o] = t0i + t2i;

        // y1 = t1 - i t3, y2 = t0 - t2, y3 = t1 + i t3.
        Store(yr, yi, o + s, t1r + t3i, t1i - t3r, cos[(p * 4) + 1], sin[(p * 4) + 1]);
        Store(yr, yi, o + (2 * s), t0r - t2r, t0i - t2i, cos[(p * 4) + 2], sin[(p * 4) + 2]);
        Store(yr, yi, o + (3 * s), t1r - t3i, t1i + t3r, cos[(p * 4) + 3], sin[(p * 4) + 3]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Radix5(Vector256<float>[] xr, Vector256<float>[] xi, Vector256<float>[] yr, Vector256<float>[] yi, int q, int s, int p, int m, float[] cos, float[] sin)
    {
        var c1 = Vector256.Create(0.309016994f);
        var c2 = Vector256.Create(-0.809016994f);
        var s1 = Vector256.Create(0.951056516f);
        var s2 = Vector256.Create(0.587785252f);
        Vector256<float> a0r = xr[q + (s * p)], a0i = xi[q + (s * p)];
        Vector256<float> a1r = xr[q + (s * (p + m))], a1i = xi[q + (s * (p + m))];
        Vector256<float> a2r = xr[q + (s * (p + (2 * m)))], a2i = xi[q + (s * (p + (2 * m)))];
        Vector256<float> a3r = xr[q + (s * (p + (3 * m)))], a3i = xi[q + (s * (p + (3 * m)))];
        Vector256<float> a4r = xr[q + (s * (p + (4 * m)))], a4i = xi[q + (s * (p + (4 * m)))];
        Vector256<float> t1r = a1r + a4r, t1i = a1i + a4i, t2r = a2r + a3r, t2i = a2i + a3i;
        Vector256<float> t3r = a1r - a4r, t3i = a1i - a4i, t4r = a2r - a3r, t4i = a2i - a3i;
        Vector256<float> b1r = a0r + (c1 * t1r) + (c2 * t2r), b1i = a0i + (c1 * t1i) + (c2 * t2i);
        Vector256<float> b2r = a0r + (c2 * t1r) + (c1 * t2r), b2i = a0i + (c2 * t1i) + (c1 * t2i);
        Vector256<float> d1r = (s1 * t3r) + (s2 * t4r), d1i = (s1 * t3i) + (s2 * t4i);
        Vector256<float> d2r = (s2 * t3r) - (s1 * t4r), d2i = (s2 * t3i) - (s1 * t4i);
        int o = q + (s * 5 * p);
        yr[o] = a0r + t1r + t2r;
        yi[o] = a0i + t1i + t2i;

        // y1 = b1 - i d1, y2 = b2 - i d2, y3 = b2 + i d2, y4 = b1 + i d1.
        Store(yr, yi, o + s, b1r + d1i, b1i - d1r, cos[(p * 5) + 1], sin[(p * 5) + 1]);
        Store(yr, yi, o + (2 * s), b2r + d2i, b2i - d2r, cos[(p * 5) + 2], sin[(p * 5) + 2]);
        Store(yr, yi, o + (3 * s), b2r - d2i, b2i + d2r, cos[(p * 5) + 3], sin[(p * 5) + 3]);
        Store(yr, yi, o + (4 * s), b1r - d1i, b1i + d1r, cos[(p * 5) + 4], sin[(p * 5) + 4]);
    }
}
