using System.Text;

namespace Qwen.Onnx.Testing.Gguf;

/// <summary>The GGML element types this writer emits (ids from ggml's <c>ggml_type</c>).</summary>
internal enum GgmlType : uint
{
    /// <summary>float32.</summary>
    F32 = 0,

    /// <summary>float16.</summary>
    F16 = 1,

    /// <summary>Blocks of 32 values: a float16 scale and 16 bytes of 4-bit levels (18 bytes).</summary>
    Q4_0 = 2,
}

/// <summary>
/// Writes a GGUF v3 file (little-endian, default alignment 32): header, metadata key/values, tensor infos, then each
/// tensor's bytes at an aligned offset. Tensor bytes are streamed by callbacks at write time, so a multi-gigabyte
/// model never sits in memory; the writer checks each callback wrote exactly the size its type and shape imply.
/// </summary>
internal sealed class GgufWriter
{
    public const uint Magic = 0x46554747; // "GGUF" read as a little-endian uint32.
    public const uint Version = 3;
    public const int Alignment = 32;
    public const int Q4BlockSize = 32;
    public const int Q4BlockBytes = 18;

    private readonly List<(string Key, Action<BinaryWriter> Write)> _metadata = [];
    private readonly List<Tensor> _tensors = [];

    /// <summary>GGUF metadata value types (gguf_type).</summary>
    private enum ValueType : uint
    {
        UInt32 = 4,
        Int32 = 5,
        Float32 = 6,
        Bool = 7,
        String = 8,
        Array = 9,
    }

    public void Add(string key, uint value) => Add(key, ValueType.UInt32, w => w.Write(value));

    public void Add(string key, float value) => Add(key, ValueType.Float32, w => w.Write(value));

    public void Add(string key, bool value) => Add(key, ValueType.Bool, w => w.Write(value));

    public void Add(string key, string value) => Add(key, ValueType.String, w => WriteString(w, value));

    public void Add(string key, IReadOnlyList<string> values) => AddArray(key, ValueType.String, values.Count, w =>
    {
        foreach (string value in values)
        {
            WriteString(w, value);
        }
    });

    public void Add(string key, IReadOnlyList<int> values) => AddArray(key, ValueType.Int32, values.Count, w =>
    {
        foreach (int value in values)
        {
            w.Write(value);
        }
    });

    /// <summary>Adds a tensor; <paramref name="dims"/> are GGML's ne order, innermost (contiguous) first.</summary>
    public void AddTensor(string name, GgmlType type, long[] dims, Action<Stream> write) => _tensors.Add(new Tensor(name, type, dims, write));

    /// <summary>The bytes a tensor of this type and shape occupies.</summary>
    public static long ByteSize(GgmlType type, long[] dims)
    {
        long count = dims.Aggregate(1L, (a, b) => a * b);
        return type switch
        {
            GgmlType.F32 => count * 4,
            GgmlType.F16 => count * 2,
            _ when dims[0] % Q4BlockSize != 0 => throw new ArgumentException($"Q4_0 rows need a multiple of {Q4BlockSize} values, not {dims[0]}.", nameof(dims)),
            _ => count / Q4BlockSize * Q4BlockBytes,
        };
    }

    public void WriteTo(string path)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(Version);
        writer.Write((ulong)_tensors.Count);
        writer.Write((ulong)_metadata.Count);
        foreach ((string key, Action<BinaryWriter> write) in _metadata)
        {
            WriteString(writer, key);
            write(writer);
        }

        WriteTensorInfos(writer);
        Pad(writer);
        foreach (Tensor tensor in _tensors)
        {
            long start = stream.Position;
            tensor.Write(stream);
            long written = stream.Position - start;
            if (written != ByteSize(tensor.Type, tensor.Dims))
            {
                throw new InvalidOperationException($"{tensor.Name}: wrote {written} bytes, its shape needs {ByteSize(tensor.Type, tensor.Dims)}.");
            }

            Pad(writer);
        }

        writer.Flush();
    }

    private void WriteTensorInfos(BinaryWriter writer)
    {
        long offset = 0;
        foreach (Tensor tensor in _tensors)
        {
            WriteString(writer, tensor.Name);
            writer.Write((uint)tensor.Dims.Length);
            foreach (long dim in tensor.Dims)
            {
                writer.Write((ulong)dim);
            }

            writer.Write((uint)tensor.Type);
            writer.Write((ulong)offset);
            offset += Aligned(ByteSize(tensor.Type, tensor.Dims));
        }
    }

    private void Add(string key, ValueType type, Action<BinaryWriter> write) => _metadata.Add((key, w =>
    {
        w.Write((uint)type);
        write(w);
    }));

    private void AddArray(string key, ValueType elementType, int count, Action<BinaryWriter> write) => Add(key, ValueType.Array, w =>
    {
        w.Write((uint)elementType);
        w.Write((ulong)count);
        write(w);
    });

    private static void WriteString(BinaryWriter writer, string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        writer.Write((ulong)bytes.Length);
        writer.Write(bytes);
    }

    private static long Aligned(long size) => (size + Alignment - 1) / Alignment * Alignment;

    private static void Pad(BinaryWriter writer)
    {
        writer.Flush();
        long position = writer.BaseStream.Position;
        writer.Write(new byte[Aligned(position) - position]);
    }

    private sealed record Tensor(string Name, GgmlType Type, long[] Dims, Action<Stream> Write);
}
