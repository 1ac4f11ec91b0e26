using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Qwen.Onnx.Audio.Features;

/// <summary>
/// Whisper's log-mel spectrogram of one 30-second chunk, as Hugging Face's WhisperFeatureExtractor computes it:
/// zero-pad to the chunk, reflect-pad half a window on both sides, periodic Hann window, 400-point power spectrum
/// every 160 samples (the last frame dropped), Slaney mel filters, log10 of at least 1e-10, floor at the maximum
/// minus 8, then (x + 4) / 4. Window, FFT plan and filters are built once; frames are transformed eight at a time.
/// One extractor per thread (it keeps scratch buffers).
/// </summary>
public sealed class LogMelExtractor
{
    private const int Lanes = 8;
    private readonly WhisperFeatureOptions _options;
    private readonly float[] _window;
    private readonly MelFilterBank _filters;
    private readonly BatchedRealFft _fft = new();
    private readonly float[] _padded;
    private readonly Vector256<float>[] _frames = new Vector256<float>[BatchedRealFft.Length];
    private readonly Vector256<float>[] _power = new Vector256<float>[BatchedRealFft.Bins];

    /// <summary>Builds the window, FFT plan and mel filters.</summary>
    /// <param name="options">The feature parameters.</param>
    public LogMelExtractor(WhisperFeatureOptions? options = null)
    {
        _options = options ?? WhisperFeatureOptions.Qwen2Audio;
        _options.Validate();
        int n = _options.NFft;
        _window = [.. Enumerable.Range(0, n).Select(i => (float)(0.5 - (0.5 * Math.Cos(2 * Math.PI * i / n))))];
        _filters = MelFilterBank.Create(BatchedRealFft.Bins, _options.FeatureSize, _options.SamplingRate / 2.0);
        _padded = new float[_options.ChunkSamples + n];
    }

    /// <summary>The feature parameters.</summary>
    public WhisperFeatureOptions Options => _options;

    /// <summary>Floats per chunk: mel bins × frames.</summary>
    public int FeatureLength => _options.FeatureSize * _options.ChunkFrames;

    /// <summary>Computes the features of up to one chunk of 16 kHz mono samples into [mel, frame] row-major order.</summary>
    /// <param name="samples">At most <see cref="WhisperFeatureOptions.ChunkSamples"/> samples; shorter input is zero-padded.</param>
    /// <param name="features">Receives <see cref="FeatureLength"/> floats.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Extract(ReadOnlySpan<float> samples, Span<float> features)
    {
        int chunk = _options.ChunkSamples, frames = _options.ChunkFrames, hop = _options.HopLength, half = _options.NFft / 2;
        if (samples.Length > chunk)
        {
            throw new ArgumentException($"One chunk holds at most {chunk} samples; split longer audio first.", nameof(samples));
        }

        if (features.Length < FeatureLength)
        {
            throw new ArgumentException($"The destination needs {FeatureLength} floats.", nameof(features));
        }

        Pad(samples, chunk, half);
        Vector256<float> peak = Vector256.Create(float.MinValue);
        for (int first = 0; first < frames; first += Lanes)
        {
            int count = Math.Min(Lanes, frames - first);
            if (Avx.IsSupported && count == Lanes)
            {
                GatherFramesAvx(first * hop, hop);
            }
            else
            {
                GatherFrames(first, count, hop);
            }

            _fft.Power(_frames, _power);
            peak = Vector256.Max(peak, WriteLogMel(features, first, count, frames));
        }

        // Floor at the maximum minus 8 (dynamic range of 80 dB), then (x + 4) / 4.
        float floor = MaxOf(peak) - 8f;
        Span<float> all = features[..FeatureLength];
        Span<Vector256<float>> vectors = MemoryMarshal.Cast<float, Vector256<float>>(all);
        Vector256<float> floors = Vector256.Create(floor), four = Vector256.Create(4f), quarter = Vector256.Create(0.25f);
        for (int i = 0; i < vectors.Length; i++)
        {
            vectors[i] = (Vector256.Max(vectors[i], floors) + four) * quarter;
        }

        for (int i = vectors.Length * Lanes; i < all.Length; i++)
        {
            all[i] = (Math.Max(all[i], floor) + 4f) * 0.25f;
        }
    }

    /// <summary>Windowed samples of eight frames into lane order: sample n of frame i at [n * 8 + i].</summary>
    private void GatherFrames(int first, int count, int hop)
    {
        Span<float> lanes = MemoryMarshal.Cast<Vector256<float>, float>(_frames.AsSpan());
        for (int lane = 0; lane < Lanes; lane++)
        {
            ReadOnlySpan<float> frame = _padded.AsSpan((first + Math.Min(lane, count - 1)) * hop, _options.NFft);
            for (int i = 0; i < frame.Length; i++)
            {
                lanes[(i * Lanes) + lane] = frame[i] * _window[i];
            }
        }
    }

    /// <summary><see cref="GatherFrames"/> for eight whole frames: windowed 8×8 blocks transposed in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void GatherFramesAvx(int start, int hop)
    {
        fixed (float* padded = _padded, window = _window)
        fixed (Vector256<float>* output = _frames)
        {
            for (int i = 0; i < _options.NFft; i += Lanes)
            {
                Vector256<float> w = Avx.LoadVector256(window + i);
                float* at = padded + start + i;
                Vector256<float> r0 = Avx.Multiply(Avx.LoadVector256(at), w);
                Vector256<float> r1 = Avx.Multiply(Avx.LoadVector256(at + hop), w);
                Vector256<float> r2 = Avx.Multiply(Avx.LoadVector256(at + (2 * hop)), w);
                Vector256<float> r3 = Avx.Multiply(Avx.LoadVector256(at + (3 * hop)), w);
                Vector256<float> r4 = Avx.Multiply(Avx.LoadVector256(at + (4 * hop)), w);
                Vector256<float> r5 = Avx.Multiply(Avx.LoadVector256(at + (5 * hop)), w);
                Vector256<float> r6 = Avx.Multiply(Avx.LoadVector256(at + (6 * hop)), w);
                Vector256<float> r7 = Avx.Multiply(Avx.LoadVector256(at + (7 * hop)), w);
                Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
                Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
                Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
                Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
                Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
                Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
                Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
                Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
                output[i] = Avx.Permute2x128(u0, u4, 0x20);
                output[i + 1] = Avx.Permute2x128(u1, u5, 0x20);
                output[i + 2] = Avx.Permute2x128(u2, u6, 0x20);
                output[i + 3] = Avx.Permute2x128(u3, u7, 0x20);
                output[i + 4] = Avx.Permute2x128(u0, u4, 0x31);
                output[i + 5] = Avx.Permute2x128(u1, u5, 0x31);
                output[i + 6] = Avx.Permute2x128(u2, u6, 0x31);
                output[i + 7] = Avx.Permute2x128(u3, u7, 0x31);
            }
        }
    }

    /// <summary>The chunk zero-padded to its full length, with reflections of half a window on both sides (numpy's "reflect").</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Pad(ReadOnlySpan<float> samples, int chunk, int half)
    {
        Span<float> body = _padded.AsSpan(half, chunk);
        samples.CopyTo(body);
        body[samples.Length..].Clear();
        for (int j = 1; j <= half; j++)
        {
            _padded[half - j] = body[j];
            _padded[half + chunk - 1 + j] = body[chunk - 1 - j];
        }
    }

    /// <summary>
    /// Mel energies of eight frames as log10 of at least 1e-10, stored as [mel, frame]; returns the largest value per
    /// lane so the dynamic-range floor needs no extra pass.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Vector256<float> WriteLogMel(Span<float> features, int first, int count, int frames)
    {
        var minimum = Vector256.Create(1e-10f);
        var toLog10 = Vector256.Create((float)(1 / Math.Log(10)));
        Vector256<float> peak = Vector256.Create(float.MinValue);
        for (int m = 0; m < _filters.Weights.Length; m++)
        {
            float[] weights = _filters.Weights[m];
            int bin = _filters.FirstBin[m];
            Vector256<float> sum = Vector256<float>.Zero;
            for (int k = 0; k < weights.Length; k++)
            {
                sum += _power[bin + k] * Vector256.Create(weights[k]);
            }

            Vector256<float> log = Vector256.Log(Vector256.Max(sum, minimum)) * toLog10;
            Span<float> row = features.Slice((m * frames) + first, count);
            if (count == Lanes)
            {
                log.CopyTo(row);
                peak = Vector256.Max(peak, log);
            }
            else
            {
                for (int i = 0; i < count; i++)
                {
                    row[i] = log[i];
                    peak = Vector256.Max(peak, Vector256.Create(log[i]));
                }
            }
        }

        return peak;
    }

    private static float MaxOf(Vector256<float> values)
    {
        float max = values[0];
        for (int i = 1; i < Vector256<float>.Count; i++)
        {
            max = Math.Max(max, values[i]);
        }

        return max;
    }
}
