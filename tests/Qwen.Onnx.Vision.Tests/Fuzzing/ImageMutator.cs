using System.Buffers.Binary;

namespace Qwen.Onnx.Vision.Tests.Fuzzing;

/// <summary>
/// Deterministic mutations of a seed file, the kinds that break decoders: flipped bits, boundary bytes, sizes and
/// lengths overwritten with large or zero integers, spans deleted, repeated or inserted, and truncation.
/// </summary>
internal static class ImageMutator
{
    private static readonly byte[] Boundaries = [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF];
    private static readonly uint[] Integers = [0, 1, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF];

    public static byte[] Mutate(byte[] seed, Random random)
    {
        var data = new List<byte>(seed);
        int mutations = 1 + random.Next(4);
        for (int m = 0; m < mutations && data.Count > 0; m++)
        {
            int at = random.Next(data.Count);
            switch (random.Next(7))
            {
                case 0:
                    data[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    data[at] = Boundaries[random.Next(Boundaries.Length)];
                    break;
                case 2:
                    OverwriteInteger(data, at, Integers[random.Next(Integers.Length)], random);
                    break;
                case 3:
                    data.RemoveRange(at, Math.Min(data.Count - at, 1 + random.Next(64)));
                    break;
                case 4:
                    int length = Math.Min(data.Count - at, 1 + random.Next(64));
                    data.InsertRange(random.Next(data.Count), data.GetRange(at, length));
                    break;
                case 5:
                    byte[] noise = new byte[1 + random.Next(32)];
                    random.NextBytes(noise);
                    data.InsertRange(at, noise);
                    break;
                default:
                    data.RemoveRange(at, data.Count - at);
                    break;
            }
        }

        return [.. data];
    }

    private static void OverwriteInteger(List<byte> data, int at, uint value, Random random)
    {
        Span<byte> bytes = stackalloc byte[4];
        if (random.Next(2) == 0)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        }

        // Two-byte fields (JPEG SOF sizes, marker lengths) take the low half, four-byte ones (PNG IHDR) all of it.
        int width = random.Next(2) == 0 ? 2 : 4;
        ReadOnlySpan<byte> field = width == 2 ? bytes[2..] : bytes;
        for (int i = 0; i < width && at + i < data.Count; i++)
        {
            data[at + i] = field[i];
        }
    }
}
