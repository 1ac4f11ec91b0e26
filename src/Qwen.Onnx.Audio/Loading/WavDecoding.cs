using NAudio.Wave;

namespace Qwen.Onnx.Audio.Loading;

/// <summary>WAV through NAudio's <see cref="WaveFileReader"/>: PCM 8/16/24/32-bit and IEEE float 32/64, plain or extensible.</summary>
internal static class WavDecoding
{
    private const ushort Pcm = 1;
    private const ushort IeeeFloat = 3;

    public static DecodedAudio Decode(Stream stream, AudioLoadOptions options, CancellationToken cancellationToken)
    {
        WavChunks chunks = WavChunks.Scan(stream);
        if (chunks.FormatTag is not (Pcm or IeeeFloat))
        {
            throw new InvalidAudioException($"The WAV file is encoded as {(WaveFormatEncoding)chunks.FormatTag}; only PCM and IEEE float WAV are supported. Convert it to PCM first.");
        }

        long available = stream.Length - chunks.DataOffset;
        if (chunks.DeclaredDataBytes > available)
        {
            throw new InvalidAudioException($"The WAV header declares {chunks.DeclaredDataBytes:N0} bytes of samples but the file holds {available:N0}: it is truncated or its header is wrong.");
        }

        using var reader = new WaveFileReader(new NonClosingStream(stream));
        WaveFormat format = reader.WaveFormat;
        bool isFloat = chunks.FormatTag == IeeeFloat;
        int bits = format.BitsPerSample;

        if (isFloat ? bits is not (32 or 64) : bits is not (8 or 16 or 24 or 32))
        {
            throw new InvalidAudioException($"{bits}-bit {(isFloat ? "float" : "PCM")} WAV is not supported.");
        }

        int frameBytes = format.Channels * (bits / 8);
        AudioDecoding.CheckShape(format.SampleRate, format.Channels, frameBytes > 0 ? reader.Length / frameBytes : -1, options);

        byte[] data = new byte[reader.Length - (reader.Length % frameBytes)];
        int offset = 0;
        while (offset < data.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int n = reader.Read(data, offset, Math.Min(1 << 20, data.Length - offset));
            if (n == 0)
            {
                throw new InvalidAudioException("The WAV data ends before the length its header declares: the file is truncated.");
            }

            offset += n;
        }

        return new DecodedAudio(ToFloats(data, bits, isFloat), format.SampleRate, format.Channels);
    }

    private static float[] ToFloats(ReadOnlySpan<byte> data, int bits, bool isFloat)
    {
        int bytes = bits / 8;
        var samples = new float[data.Length / bytes];
        for (int i = 0, o = 0; o < samples.Length; i += bytes, o++)
        {
            samples[o] = (bits, isFloat) switch
            {
                (8, false) => (data[i] - 128) / 128f,
                (16, false) => BitConverter.ToInt16(data.Slice(i, 2)) / 32768f,
                (24, false) => ((data[i] | (data[i + 1] << 8) | ((sbyte)data[i + 2] << 16)) / 8388608f),
                (32, false) => BitConverter.ToInt32(data.Slice(i, 4)) / 2147483648f,
                (32, true) => BitConverter.ToSingle(data.Slice(i, 4)),
                _ => (float)BitConverter.ToDouble(data.Slice(i, 8)),
            };
        }

        return samples;
    }
}
