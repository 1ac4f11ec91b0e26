using NLayer;
using NVorbis;

namespace Qwen.Onnx.Audio.Loading;

/// <summary>MP3 (NLayer) and Ogg Vorbis (NVorbis), read in blocks and stopped as soon as the duration limit is passed.</summary>
internal static class CompressedDecoding
{
    private const int Block = 16384;

    public static DecodedAudio DecodeMp3(Stream stream, AudioLoadOptions options, CancellationToken cancellationToken)
    {
        using var mp3 = new MpegFile(new NonClosingStream(stream));
        return ReadAll(mp3.SampleRate, mp3.Channels, -1, buffer => mp3.ReadSamples(buffer), options, "MP3", cancellationToken);
    }

    public static DecodedAudio DecodeVorbis(Stream stream, AudioLoadOptions options, CancellationToken cancellationToken)
    {
        using var vorbis = new VorbisReader(new NonClosingStream(stream), false);
        long declared = vorbis.TotalSamples > 0 ? vorbis.TotalSamples : -1;
        return ReadAll(vorbis.SampleRate, vorbis.Channels, declared, buffer => vorbis.ReadSamples(buffer), options, "Ogg Vorbis", cancellationToken);
    }

    private static DecodedAudio ReadAll(int rate, int channels, long declaredFrames, Func<float[], int> read, AudioLoadOptions options, string kind, CancellationToken cancellationToken)
    {
        AudioDecoding.CheckShape(rate, channels, declaredFrames, options);
        long maxSamples = AudioDecoding.MaxFrames(rate, options) * channels;
        var samples = new List<float>(declaredFrames > 0 ? (int)Math.Min(declaredFrames * channels, maxSamples) : Block);
        var buffer = new float[Block - (Block % channels)];
        int n;
        while ((n = read(buffer)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (samples.Count + n > maxSamples)
            {
                throw new InvalidAudioException($"The {kind} audio is longer than the limit of {options.MaxDuration:g} ({nameof(AudioLoadOptions)}.{nameof(AudioLoadOptions.MaxDuration)}). Trim it or raise the limit.");
            }

            samples.AddRange(buffer.AsSpan(0, n));
        }

        if (samples.Count == 0)
        {
            throw new InvalidAudioException($"The {kind} stream holds no audio: it is truncated or corrupt.");
        }

        return new DecodedAudio([.. samples], rate, channels);
    }
}
