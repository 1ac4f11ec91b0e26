using System.Collections.Concurrent;
using Qwen.Onnx.Audio.Features;
using Qwen.Onnx.Audio.Loading;
using Qwen.Onnx.Audio.Resampling;

namespace Qwen.Onnx.Audio;

/// <summary>
/// Qwen-Audio's audio processor: decode → mono → 16 kHz → 30-second segments → Whisper log-mel features, masks and
/// audio-token counts. Thread-safe; the FFT plans and buffers are reused across calls.
/// </summary>
public sealed class QwenAudioProcessor
{
    private readonly ConcurrentBag<LogMelExtractor> _extractors = [];

    /// <summary>Creates a processor.</summary>
    /// <param name="options">Feature parameters; <see langword="null"/> for Qwen2-Audio's.</param>
    /// <param name="loadOptions">Limits for untrusted input.</param>
    public QwenAudioProcessor(WhisperFeatureOptions? options = null, AudioLoadOptions? loadOptions = null)
    {
        Options = options ?? WhisperFeatureOptions.Qwen2Audio;
        Options.Validate();
        LoadOptions = loadOptions ?? new AudioLoadOptions();
    }

    /// <summary>Feature parameters.</summary>
    public WhisperFeatureOptions Options { get; }

    /// <summary>Limits for untrusted input.</summary>
    public AudioLoadOptions LoadOptions { get; }

    /// <summary>A processor with the parameters of a model folder's <c>preprocessor_config.json</c>.</summary>
    /// <param name="modelFolder">The model folder.</param>
    /// <param name="loadOptions">Limits for untrusted input.</param>
    /// <exception cref="InvalidModelException">The file is missing or malformed.</exception>
    public static QwenAudioProcessor FromModelFolder(string modelFolder, AudioLoadOptions? loadOptions = null)
    {
        string path = Path.Combine(modelFolder, "preprocessor_config.json");
        if (!File.Exists(path))
        {
            throw new InvalidModelException(modelFolder, "preprocessor_config.json is missing. Copy it from the original Hugging Face model.");
        }

        try
        {
            return new QwenAudioProcessor(WhisperFeatureOptions.FromFile(path), loadOptions);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or ArgumentException or InvalidOperationException or FormatException)
        {
            throw new InvalidModelException(modelFolder, $"preprocessor_config.json is malformed ({e.Message}).", e);
        }
    }

    /// <summary>
    /// Audio tokens for <paramref name="samples"/> samples of one segment: L = ⌈samples / hop⌉ mel frames,
    /// L1 = ⌊(L − 1) / 2⌋ + 1 after the stride-2 convolution, N = ⌊(L1 − 2) / 2⌋ + 1 after pooling, with floor
    /// division as in Python (so 320 samples or fewer give 0).
    /// </summary>
    /// <param name="samples">Samples in the segment (at most one chunk).</param>
    /// <param name="hopLength">Samples per mel frame (160).</param>
    public static int AudioTokenCount(long samples, int hopLength = 160)
    {
        long frames = (samples + hopLength - 1) / hopLength;
        long afterConvolution = FloorDivide(frames - 1, 2) + 1;
        return (int)(FloorDivide(afterConvolution - 2, 2) + 1);
    }

    /// <summary>Decodes, resamples and extracts the features of an audio part.</summary>
    /// <param name="audio">The audio.</param>
    /// <param name="cancellationToken">Abandons the work.</param>
    /// <exception cref="InvalidAudioException">The audio cannot be used.</exception>
    public async Task<ProcessedAudio> ProcessAsync(AudioPart audio, CancellationToken cancellationToken = default)
    {
        DecodedAudio decoded = await AudioDecoding.DecodeAsync(audio, LoadOptions, cancellationToken).ConfigureAwait(false);
        return Process(MonoResampler.ToMono(decoded, Options.SamplingRate));
    }

    /// <summary>
    /// How many 30-second segments <see cref="ProcessAsync"/> splits an audio part into (each gets its own prompt
    /// placeholder), from its decoded and resampled length, without extracting features.
    /// </summary>
    /// <param name="audio">The audio.</param>
    /// <param name="cancellationToken">Abandons the work.</param>
    /// <exception cref="InvalidAudioException">The audio cannot be used.</exception>
    public async Task<int> CountSegmentsAsync(AudioPart audio, CancellationToken cancellationToken = default)
    {
        DecodedAudio decoded = await AudioDecoding.DecodeAsync(audio, LoadOptions, cancellationToken).ConfigureAwait(false);
        int samples = MonoResampler.ToMono(decoded, Options.SamplingRate).Length;
        return samples == 0 ? throw new InvalidAudioException("The audio has no samples.") : (samples + Options.ChunkSamples - 1) / Options.ChunkSamples;
    }

    /// <summary>Extracts the features of mono samples at <see cref="WhisperFeatureOptions.SamplingRate"/>.</summary>
    /// <param name="samples">Mono samples.</param>
    public ProcessedAudio Process(ReadOnlySpan<float> samples)
    {
        if (samples.IsEmpty)
        {
            throw new InvalidAudioException("The audio has no samples.");
        }

        int chunk = Options.ChunkSamples, frames = Options.ChunkFrames;
        int segments = (samples.Length + chunk - 1) / chunk;
        if (!_extractors.TryTake(out LogMelExtractor? extractor))
        {
            extractor = new LogMelExtractor(Options);
        }

        try
        {
            var features = new float[segments * extractor.FeatureLength];
            var mask = new long[segments * frames];
            var tokens = new int[segments];
            for (int s = 0; s < segments; s++)
            {
                ReadOnlySpan<float> segment = samples.Slice(s * chunk, Math.Min(chunk, samples.Length - (s * chunk)));
                extractor.Extract(segment, features.AsSpan(s * extractor.FeatureLength, extractor.FeatureLength));
                int audible = (segment.Length + Options.HopLength - 1) / Options.HopLength;
                mask.AsSpan(s * frames, audible).Fill(1);
                tokens[s] = AudioTokenCount(segment.Length, Options.HopLength);
            }

            return new ProcessedAudio(features, mask, tokens, Options.FeatureSize, frames, TimeSpan.FromSeconds((double)samples.Length / Options.SamplingRate));
        }
        finally
        {
            _extractors.Add(extractor);
        }
    }

    private static long FloorDivide(long a, long b) => (long)Math.Floor((double)a / b);
}
