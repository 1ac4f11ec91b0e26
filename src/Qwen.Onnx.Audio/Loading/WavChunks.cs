using System.Buffers.Binary;

namespace Qwen.Onnx.Audio.Loading;

/// <summary>
/// The facts of a RIFF/WAVE file that NAudio smooths over: the real format tag (and an extensible file's
/// sub-format), and the data length the header declares, which NAudio clips to the file size.
/// </summary>
internal readonly record struct WavChunks(ushort FormatTag, long DataOffset, long DeclaredDataBytes)
{
    private const ushort Extensible = 0xFFFE;

    public static WavChunks Scan(Stream stream)
    {
        long start = stream.Position;
        try
        {
            Span<byte> header = stackalloc byte[8];
            Span<byte> format = stackalloc byte[26];
            ushort tag = 0;
            stream.Position = 12;
            while (stream.ReadAtLeast(header, 8, throwOnEndOfStream: false) == 8)
            {
                uint size = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
                if (header[..4].SequenceEqual("fmt "u8))
                {
                    int read = stream.ReadAtLeast(format, (int)Math.Min(size, 26u), throwOnEndOfStream: false);
                    tag = read >= 2 ? BinaryPrimitives.ReadUInt16LittleEndian(format) : (ushort)0;

                    // WAVE_FORMAT_EXTENSIBLE keeps the real tag in the first two bytes of its sub-format GUID.
                    if (tag == Extensible && read >= 26)
                    {
                        tag = BinaryPrimitives.ReadUInt16LittleEndian(format[24..]);
                    }

                    stream.Position += size - read + (size & 1);
                    continue;
                }

                if (header[..4].SequenceEqual("data"u8))
                {
                    return new WavChunks(tag, stream.Position, size);
                }

                stream.Position += size + (size & 1);
            }

            throw new InvalidAudioException("The WAV file has no data chunk: it is truncated or not a WAV file.");
        }
        finally
        {
            stream.Position = start;
        }
    }
}
