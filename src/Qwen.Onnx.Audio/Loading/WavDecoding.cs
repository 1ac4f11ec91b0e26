using NAudio.Wave;

namespace Qwen.Onnx.Audio.Loading;

/// <summary>WAV through NAudio's <see cref="WaveFileReader"/>: PCM 8/16/24/32-bit and IEEE float 32/64, plain or extensible.</summary>
internal static class WavDecoding
{
    private static readonly Guid PcmSubFormat = new("00000001-0000-0010-8000-00aa00389b71");
    private static readonly Guid FloatSubFormat = new("00000003-0000-0010-8000-00aa00389b71");

    public static DecodedAudio Decode(Stream stream, AudioLoadOptions options, CancellationToken cancellationToken)
    {
        using var reader = new WaveFileReader(new NonClosingStream(stream));
        WaveFormat format = reader.WaveFormat;
        bool isFloat = IsFloat(format);
        int bits = format.BitsPerSample;
        if (!isFloat && !IsPcm(format))
        {
            throw new InvalidAudioException($"The WAV file is encoded as {format.Encoding}; only PCM and IEEE float WAV are supported. Convert it to PCM first.");
        }

        if (isFloat ? bits is not (32 or 64) : bits is not (8 or 16 or 24 or 32))
        {
            throw new InvalidAudioException($"{bits}-bit {(isFloat ? "float" : "PCM")} WAV is not supported.");
        }

        int frameBytes = format.Channels * (bits / 8);
        AudioDecoding.CheckShape(format.SampleRate, format.Channels, frameBytes > 0 ? reader.Length / frameBytes : -1, options);
        long available = stream.Length - reader.Position;
        if (reader.Length > available)
        {
            throw new InvalidAudioException($"The WAV header declares {reader.Length:N0} bytes of samples but the file holds {available:N0}: it is truncated or its header is wrong.");
        }

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

    private static bool IsPcm(WaveFormat format) =>
        format.Encoding == WaveFormatEncoding.Pcm || (format is WaveFormatExtensible e && e.SubFormat == PcmSubFormat);

    private static bool IsFloat(WaveFormat format) =>
        format.Encoding == WaveFormatEncoding.IeeeFloat || (format is WaveFormatExtensible e && e.SubFormat == FloatSubFormat);

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
