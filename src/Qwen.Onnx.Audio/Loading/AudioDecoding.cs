using System.Runtime.InteropServices;

namespace Qwen.Onnx.Audio.Loading;

/// <summary>
/// Turns an <see cref="AudioPart"/> into float samples: WAV (PCM 8/16/24/32-bit, IEEE float 32/64, extensible, any
/// rate, 1 to 8 channels) through NAudio, MP3 through NLayer, Ogg Vorbis through NVorbis (all managed and
/// cross-platform), or the caller's raw samples. The format is recognised from the bytes, never from a file name;
/// every failure is an <see cref="InvalidAudioException"/> that says what was wrong.
/// </summary>
public static class AudioDecoding
{
    /// <summary>The most channels accepted.</summary>
    public const int MaxChannels = 8;

    /// <summary>Decodes an audio part.</summary>
    /// <param name="audio">The part.</param>
    /// <param name="options">Limits; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Abandons decoding.</param>
    /// <exception cref="InvalidAudioException">The audio is missing, empty, corrupt, unsupported, too long or invalid.</exception>
    public static async Task<DecodedAudio> DecodeAsync(AudioPart audio, AudioLoadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audio);
        options ??= new AudioLoadOptions();
        if (audio.Samples is RawAudio raw)
        {
            return FromRaw(raw, options);
        }

        await using Stream stream = await OpenAsync(audio, options, cancellationToken).ConfigureAwait(false);
        DecodedAudio decoded = Decode(stream, options, cancellationToken);
        RejectNonFinite(decoded.Samples);
        return decoded;
    }

    private static DecodedAudio Decode(Stream stream, AudioLoadOptions options, CancellationToken cancellationToken)
    {
        if (stream.Length == 0)
        {
            throw new InvalidAudioException("The audio is empty (0 bytes).");
        }

        Span<byte> head = stackalloc byte[12];
        int read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        stream.Position = 0;
        head = head[..read];
        try
        {
            if (read >= 12 && head[..4].SequenceEqual("RIFF"u8) && head[8..12].SequenceEqual("WAVE"u8))
            {
                return WavDecoding.Decode(stream, options, cancellationToken);
            }

            if (read >= 4 && head[..4].SequenceEqual("OggS"u8))
            {
                return CompressedDecoding.DecodeVorbis(stream, options, cancellationToken);
            }

            if (read >= 3 && (head[..3].SequenceEqual("ID3"u8) || (head[0] == 0xFF && (head[1] & 0xE0) == 0xE0)))
            {
                return CompressedDecoding.DecodeMp3(stream, options, cancellationToken);
            }
        }
        catch (Exception e) when (e is not (InvalidAudioException or OperationCanceledException or OutOfMemoryException))
        {
            throw new InvalidAudioException($"The audio could not be decoded; it is truncated or corrupt ({e.Message}).", e);
        }

        throw new InvalidAudioException("This is not audio in a supported format (WAV, MP3, Ogg Vorbis).");
    }

    /// <summary>Checks a stream's declared shape and the duration limit before any sample is read.</summary>
    internal static void CheckShape(int sampleRate, int channels, long framesDeclared, AudioLoadOptions options)
    {
        if (sampleRate <= 0)
        {
            throw new InvalidAudioException($"The audio declares a sample rate of {sampleRate} Hz.");
        }

        if (channels is <= 0 or > MaxChannels)
        {
            throw new InvalidAudioException($"The audio declares {channels} channels; 1 to {MaxChannels} are supported.");
        }

        if (framesDeclared >= 0 && framesDeclared > MaxFrames(sampleRate, options))
        {
            throw new InvalidAudioException($"The audio lasts {TimeSpan.FromSeconds((double)framesDeclared / sampleRate):g}, over the limit of {options.MaxDuration:g} ({nameof(AudioLoadOptions)}.{nameof(AudioLoadOptions.MaxDuration)}). Trim it or raise the limit.");
        }
    }

    /// <summary>The most frames per channel the duration limit allows at a rate.</summary>
    internal static long MaxFrames(int sampleRate, AudioLoadOptions options) => (long)Math.Ceiling(options.MaxDuration.TotalSeconds * sampleRate);

    private static DecodedAudio FromRaw(RawAudio raw, AudioLoadOptions options)
    {
        int count = raw.Floats.Length + raw.Pcm16.Length;
        CheckShape(raw.SampleRate, raw.Channels, count / raw.Channels, options);
        float[] samples;
        if (raw.Pcm16.Length > 0)
        {
            samples = new float[raw.Pcm16.Length];
            ReadOnlySpan<short> pcm = raw.Pcm16.Span;
            for (int i = 0; i < pcm.Length; i++)
            {
                samples[i] = pcm[i] / 32768f;
            }
        }
        else
        {
            samples = raw.Floats.ToArray();
            RejectNonFinite(samples);
        }

        return new DecodedAudio(samples, raw.SampleRate, raw.Channels);
    }

    private static void RejectNonFinite(ReadOnlySpan<float> samples)
    {
        for (int i = 0; i < samples.Length; i++)
        {
            if (!float.IsFinite(samples[i]))
            {
                throw new InvalidAudioException($"Sample {i} is {samples[i]}: audio samples must be finite numbers.");
            }
        }
    }

    private static async Task<Stream> OpenAsync(AudioPart audio, AudioLoadOptions options, CancellationToken cancellationToken)
    {
        if (audio.FilePath is string path)
        {
            var file = new FileInfo(path);
            if (!file.Exists)
            {
                throw new InvalidAudioException($"The audio file '{path}' does not exist.");
            }

            if (file.Length > options.MaxEncodedBytes)
            {
                throw new InvalidAudioException($"The audio file '{path}' is {file.Length:N0} bytes, over the limit of {options.MaxEncodedBytes:N0}.");
            }

            return file.OpenRead();
        }

        if (audio.EncodedBytes is ReadOnlyMemory<byte> bytes)
        {
            return MemoryMarshal.TryGetArray(bytes, out ArraySegment<byte> segment)
                ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
                : new MemoryStream(bytes.ToArray(), writable: false);
        }

        Stream source = audio.Stream!;
        if (source.CanSeek)
        {
            // A seekable stream is read in place, so a huge file is judged by its header without being copied.
            return new NonClosingStream(source);
        }

        var copy = new MemoryStream();
        byte[] buffer = new byte[81920];
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (copy.Length + read > options.MaxEncodedBytes)
            {
                throw new InvalidAudioException($"The audio stream is longer than the limit of {options.MaxEncodedBytes:N0} bytes.");
            }

            copy.Write(buffer, 0, read);
        }

        copy.Position = 0;
        return copy;
    }
}
