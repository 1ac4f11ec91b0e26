using System.Buffers.Binary;

namespace Qwen.Onnx.LlamaSharpBench;

/// <summary>Reads the int64 ids <c>qwen-onnx inspect prompt</c> writes (input_ids.npy, little-endian '&lt;i8').</summary>
internal static class NpyIds
{
    public static int[] Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || bytes[0] != 0x93 || bytes[1] != (byte)'N')
        {
            throw new InvalidDataException($"{path} is not an .npy file.");
        }

        // Version 1 stores the header length in 2 bytes, versions 2 and 3 in 4.
        int headerLength = bytes[6] == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)) : (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        int start = (bytes[6] == 1 ? 10 : 12) + headerLength;
        string header = System.Text.Encoding.ASCII.GetString(bytes, 0, start);
        if (!header.Contains("<i8", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path} does not hold int64 values.");
        }

        var ids = new int[(bytes.Length - start) / 8];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = checked((int)BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(start + (i * 8))));
        }

        return ids;
    }
}
