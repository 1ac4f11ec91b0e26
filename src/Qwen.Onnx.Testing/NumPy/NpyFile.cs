using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Qwen.Onnx.Testing.NumPy;

/// <summary>
/// Reads and writes NumPy <c>.npy</c> files (format 1.0, little-endian, C order) of float32, float64, int64 and uint8,
/// so tensors can be compared with Python reference outputs.
/// </summary>
public static partial class NpyFile
{
    /// <summary>Writes a float32 array.</summary>
    /// <param name="path">The file.</param>
    /// <param name="data">Values in C order.</param>
    /// <param name="shape">The shape.</param>
    public static void Write(string path, ReadOnlySpan<float> data, params long[] shape) => Write(path, "<f4", MemoryMarshal.AsBytes(data), data.Length, shape);

    /// <summary>Writes an int64 array.</summary>
    /// <param name="path">The file.</param>
    /// <param name="data">Values in C order.</param>
    /// <param name="shape">The shape.</param>
    public static void Write(string path, ReadOnlySpan<long> data, params long[] shape) => Write(path, "<i8", MemoryMarshal.AsBytes(data), data.Length, shape);

    /// <summary>Reads an array of the given element type (float, double, long or byte).</summary>
    /// <typeparam name="T">float, double, long or byte, matching the file's dtype.</typeparam>
    /// <param name="path">The file.</param>
    /// <returns>The values in C order and the shape.</returns>
    public static (T[] Data, long[] Shape) Read<T>(string path)
        where T : unmanaged
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || bytes[0] != 0x93 || !bytes.AsSpan(1, 5).SequenceEqual("NUMPY"u8))
        {
            throw new FormatException($"{path} is not a .npy file.");
        }

        int headerLength = bytes[8] | (bytes[9] << 8);
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        string descr = Descr().Match(header).Groups[1].Value;
        string expected = typeof(T) == typeof(float) ? "<f4" : typeof(T) == typeof(double) ? "<f8" : typeof(T) == typeof(long) ? "<i8" : typeof(T) == typeof(byte) ? "|u1" : "?";
        if (descr != expected || header.Contains("'fortran_order': True", StringComparison.Ordinal))
        {
            throw new FormatException($"{path} holds {descr}; expected {expected} in C order.");
        }

        long[] shape = [.. Shape().Match(header).Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => long.Parse(s, CultureInfo.InvariantCulture))];
        T[] data = MemoryMarshal.Cast<byte, T>(bytes.AsSpan(10 + headerLength)).ToArray();
        return (data, shape);
    }

    private static void Write(string path, string descr, ReadOnlySpan<byte> bytes, long count, long[] shape)
    {
        if (shape.Aggregate(1L, (a, b) => a * b) != count)
        {
            throw new ArgumentException($"The shape ({string.Join(", ", shape)}) does not hold {count} values.", nameof(shape));
        }

        string dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        string header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}";
        int padded = ((10 + header.Length + 1 + 63) / 64 * 64) - 10;
        header = header.PadRight(padded - 1) + "\n";
        using FileStream file = File.Create(path);
        file.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)(header.Length & 0xFF), (byte)(header.Length >> 8)]);
        file.Write(Encoding.ASCII.GetBytes(header));
        file.Write(bytes);
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex Descr();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex Shape();
}
