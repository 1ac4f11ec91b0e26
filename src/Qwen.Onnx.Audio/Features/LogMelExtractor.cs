using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
        Span<float> lanes = MemoryMarshal.Cast<Vector256<float>, float>(_frames.AsSpan());
        for (int first = 0; first < frames; first += Lanes)
        {
            int count = Math.Min(Lanes, frames - first);
            for (int lane = 0; lane < Lanes; lane++)
            {
                ReadOnlySpan<float> frame = _padded.AsSpan((first + Math.Min(lane, count - 1)) * hop, _options.NFft);
                for (int i = 0; i < frame.Length; i++)
                {
                    lanes[(i * Lanes) + lane] = frame[i] * _window[i];
                }
            }

            _fft.Power(_frames, _power);
            WriteMel(features, first, count, frames);
        }

        Span<float> all = features[..FeatureLength];
        TensorPrimitives.Max(all, 1e-10f, all);
        TensorPrimitives.Log10(all, all);
        float floor = TensorPrimitives.Max(all) - 8f;
        TensorPrimitives.Max(all, floor, all);
        TensorPrimitives.Add(all, 4f, all);
        TensorPrimitives.Multiply(all, 0.25f, all);
    }

    /// <summary>The chunk zero-padded to its full length, with reflections of half a window on both sides (numpy's "reflect").</summary>
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

    private void WriteMel(Span<float> features, int first, int count, int frames)
    {
        for (int m = 0; m < _filters.Weights.Length; m++)
        {
            float[] weights = _filters.Weights[m];
            int bin = _filters.FirstBin[m];
            Vector256<float> sum = Vector256<float>.Zero;
            for (int k = 0; k < weights.Length; k++)
            {
                sum += _power[bin + k] * Vector256.Create(weights[k]);
            }

            Span<float> row = features.Slice((m * frames) + first, count);
            if (count == Lanes)
            {
                sum.CopyTo(row);
            }
            else
            {
                for (int i = 0; i < count; i++)
                {
                    row[i] = sum[i];
                }
            }
        }
    }
}
