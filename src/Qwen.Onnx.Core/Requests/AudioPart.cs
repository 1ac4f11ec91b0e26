namespace Qwen.Onnx;

/// <summary>
/// An audio clip inside a user message. It is decoded, down-mixed, resampled to 16 kHz and turned into
/// log-mel features by the model's audio package when the request runs.
/// </summary>
public sealed class AudioPart : MediaPart
{
    private AudioPart()
    {
    }

    /// <summary>Raw samples when created with <see cref="FromSamples(ReadOnlyMemory{float}, int, int)"/> or its 16-bit overload.</summary>
    public RawAudio? Samples { get; private init; }

    /// <summary>An audio file (WAV, MP3, Ogg Vorbis).</summary>
    /// <param name="path">Path of the file.</param>
    public static AudioPart FromFile(string path) => new() { FilePath = CheckPath(path) };

    /// <summary>An encoded audio file held in memory.</summary>
    /// <param name="bytes">The file's bytes.</param>
    public static AudioPart FromBytes(ReadOnlyMemory<byte> bytes) => new() { EncodedBytes = bytes };

    /// <summary>An encoded audio file read from a stream when the request runs. The caller keeps ownership of the stream.</summary>
    /// <param name="stream">A readable stream positioned at the start of the file.</param>
    public static AudioPart FromStream(Stream stream) => new() { Stream = CheckStream(stream) };

    /// <summary>Interleaved float samples in [-1, 1], for apps that capture audio themselves.</summary>
    /// <param name="samples">Interleaved samples.</param>
    /// <param name="sampleRate">Samples per second per channel.</param>
    /// <param name="channels">Number of interleaved channels.</param>
    public static AudioPart FromSamples(ReadOnlyMemory<float> samples, int sampleRate, int channels = 1) =>
        new() { Samples = new RawAudio(samples, default, sampleRate, channels) };

    /// <summary>Interleaved 16-bit PCM samples, for apps that capture audio themselves.</summary>
    /// <param name="samples">Interleaved samples.</param>
    /// <param name="sampleRate">Samples per second per channel.</param>
    /// <param name="channels">Number of interleaved channels.</param>
    public static AudioPart FromSamples(ReadOnlyMemory<short> samples, int sampleRate, int channels = 1) =>
        new() { Samples = new RawAudio(default, samples, sampleRate, channels) };
}

/// <summary>Raw interleaved samples with their rate and channel count; exactly one of the two buffers is used.</summary>
public sealed class RawAudio
{
    internal RawAudio(ReadOnlyMemory<float> floats, ReadOnlyMemory<short> pcm16, int sampleRate, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        int length = floats.Length + pcm16.Length;
        if (length % channels != 0)
        {
            throw new ArgumentException($"{length} interleaved samples cannot be split evenly into {channels} channels.", nameof(channels));
        }

        Floats = floats;
        Pcm16 = pcm16;
        SampleRate = sampleRate;
        Channels = channels;
    }

    /// <summary>Float samples in [-1, 1], or empty when <see cref="Pcm16"/> is used.</summary>
    public ReadOnlyMemory<float> Floats { get; }

    /// <summary>16-bit samples, or empty when <see cref="Floats"/> is used.</summary>
    public ReadOnlyMemory<short> Pcm16 { get; }

    /// <summary>Samples per second per channel.</summary>
    public int SampleRate { get; }

    /// <summary>Number of interleaved channels.</summary>
    public int Channels { get; }
}
