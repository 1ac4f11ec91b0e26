using System.Text;

namespace Qwen.Onnx.Text.Tests.Gguf;

/// <summary>
/// A minimal GGUF reader written from the format's specification (ggml's docs/gguf.md), independent of the writer:
/// "GGUF" magic, uint32 version, uint64 tensor and key/value counts, key/values (uint64-length UTF-8 key, uint32
/// type, value; arrays as element type, uint64 count, elements), tensor infos (name, uint32 dimension count, uint64
/// dims, uint32 type, uint64 offset from the data section), the data section at the next multiple of
/// general.alignment (32 when absent).
/// </summary>
internal sealed class GgufFile
{
    private GgufFile(byte[] bytes, uint version, Dictionary<string, (uint Type, object Value)> metadata, List<GgufTensorInfo> tensors, long dataStart)
    {
        Bytes = bytes;
        Version = version;
        Metadata = metadata;
        Tensors = tensors;
        DataStart = dataStart;
    }

    public byte[] Bytes { get; }

    public uint Version { get; }

    /// <summary>Each key's GGUF value type and value (arrays as object[]).</summary>
    public Dictionary<string, (uint Type, object Value)> Metadata { get; }

    public List<GgufTensorInfo> Tensors { get; }

    public long DataStart { get; }

    public GgufTensorInfo Tensor(string name) => Tensors.Single(t => t.Name == name);

    /// <summary>The bytes of a tensor, from its offset.</summary>
    public ReadOnlySpan<byte> Data(string name) => Bytes.AsSpan((int)(DataStart + (long)Tensor(name).Offset));

    public static GgufFile Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        var reader = new BinaryReader(new MemoryStream(bytes));
        if (Encoding.ASCII.GetString(reader.ReadBytes(4)) != "GGUF")
        {
            throw new InvalidDataException("no GGUF magic");
        }

        uint version = reader.ReadUInt32();
        ulong tensorCount = reader.ReadUInt64(), kvCount = reader.ReadUInt64();
        var metadata = new Dictionary<string, (uint, object)>();
        for (ulong i = 0; i < kvCount; i++)
        {
            string key = ReadString(reader);
            uint type = reader.ReadUInt32();
            metadata[key] = (type, ReadValue(reader, type));
        }

        var tensors = new List<GgufTensorInfo>();
        for (ulong i = 0; i < tensorCount; i++)
        {
            string name = ReadString(reader);
            ulong[] dims = [.. Enumerable.Range(0, (int)reader.ReadUInt32()).Select(_ => reader.ReadUInt64())];
            tensors.Add(new GgufTensorInfo(name, dims, reader.ReadUInt32(), reader.ReadUInt64()));
        }

        long alignment = metadata.TryGetValue("general.alignment", out var a) ? (uint)a.Item2 : 32;
        long end = reader.BaseStream.Position;
        return new GgufFile(bytes, version, metadata, tensors, (end + alignment - 1) / alignment * alignment);
    }

    private static string ReadString(BinaryReader reader) => Encoding.UTF8.GetString(reader.ReadBytes(checked((int)reader.ReadUInt64())));

    private static object ReadValue(BinaryReader reader, uint type) => type switch
    {
        0 => reader.ReadByte(),
        1 => reader.ReadSByte(),
        2 => reader.ReadUInt16(),
        3 => reader.ReadInt16(),
        4 => reader.ReadUInt32(),
        5 => reader.ReadInt32(),
        6 => reader.ReadSingle(),
        7 => reader.ReadByte() switch { 0 => false, 1 => true, var b => throw new InvalidDataException($"bool byte {b}") },
        8 => ReadString(reader),
        9 => ReadArray(reader),
        10 => reader.ReadUInt64(),
        11 => reader.ReadInt64(),
        12 => reader.ReadDouble(),
        _ => throw new InvalidDataException($"value type {type}"),
    };

    private static object[] ReadArray(BinaryReader reader)
    {
        uint elementType = reader.ReadUInt32();
        ulong count = reader.ReadUInt64();
        var values = new object[count];
        for (ulong i = 0; i < count; i++)
        {
            values[i] = ReadValue(reader, elementType);
        }

        return values;
    }
}

/// <summary>One tensor info: dims innermost first, ggml type id, offset from the data section.</summary>
internal sealed record GgufTensorInfo(string Name, ulong[] Dims, uint Type, ulong Offset);
