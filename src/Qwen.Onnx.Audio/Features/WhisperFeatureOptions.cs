using System.Text.Json;

namespace Qwen.Onnx.Audio.Features;

/// <summary>
/// The log-mel parameters of a Whisper-style feature extractor (<c>preprocessor_config.json</c>). Defaults are
/// Qwen2-Audio's: 128 mel bins, 16 kHz, 25 ms windows (400 samples) every 10 ms (160), 30-second chunks.
/// </summary>
public sealed record WhisperFeatureOptions
{
    /// <summary>Qwen2-Audio (128 mels).</summary>
    public static WhisperFeatureOptions Qwen2Audio { get; } = new();

    /// <summary>Qwen-Audio v1 (80 mels).</summary>
    public static WhisperFeatureOptions QwenAudio { get; } = new() { FeatureSize = 80 };

    /// <summary>Mel bins.</summary>
    public int FeatureSize { get; init; } = 128;

    /// <summary>Samples per second the features expect.</summary>
    public int SamplingRate { get; init; } = 16000;

    /// <summary>Samples between frames.</summary>
    public int HopLength { get; init; } = 160;

    /// <summary>FFT and window length.</summary>
    public int NFft { get; init; } = 400;

    /// <summary>Seconds per chunk; audio is padded or split to this length.</summary>
    public int ChunkLength { get; init; } = 30;

    /// <summary>Samples per chunk.</summary>
    public int ChunkSamples => ChunkLength * SamplingRate;

    /// <summary>Frames per chunk (the last STFT frame is dropped, as in the reference).</summary>
    public int ChunkFrames => ChunkSamples / HopLength;

    /// <summary>Reads <c>preprocessor_config.json</c>; missing keys keep Qwen2-Audio's values.</summary>
    /// <param name="path">The file.</param>
    public static WhisperFeatureOptions FromFile(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        JsonElement root = doc.RootElement;
        int Get(string name, int fallback) => root.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : fallback;
        var defaults = new WhisperFeatureOptions();
        var options = new WhisperFeatureOptions
        {
            FeatureSize = Get("feature_size", defaults.FeatureSize),
            SamplingRate = Get("sampling_rate", defaults.SamplingRate),
            HopLength = Get("hop_length", defaults.HopLength),
            NFft = Get("n_fft", defaults.NFft),
            ChunkLength = Get("chunk_length", defaults.ChunkLength),
        };
        options.Validate();
        return options;
    }

    /// <summary>Checks the values: positive, an even FFT of 400 or more samples, chunks made of whole hops.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(FeatureSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(SamplingRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(HopLength);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ChunkLength);
        if (NFft != 400 || ChunkSamples % HopLength != 0)
        {
            throw new ArgumentException($"Only Whisper's 400-point FFT with chunks of whole hops is supported (n_fft {NFft}, hop {HopLength}).");
        }
    }
}
