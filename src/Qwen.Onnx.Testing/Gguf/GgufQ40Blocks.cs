using System.Buffers.Binary;
using Qwen.Onnx.Testing.Onnx;

namespace Qwen.Onnx.Testing.Gguf;

/// <summary>
/// Writes a weight as GGML Q4_0 blocks with the levels and scale <see cref="Int4BlockQuantizer"/> gives the ONNX
/// MatMulNBits copy (ggml's quantize_row_q4_0 picks them by the same rule). ggml lays a block out as the scale in
/// float16, then 16 bytes where byte j holds value j in its low nibble and value j + 16 in its high nibble; the ONNX
/// copy keeps a float32 scale, so dequantised values differ by the scale's rounding to float16 (≤ 2⁻¹¹ relative).
/// </summary>
internal static class GgufQ40Blocks
{
    private const int RowsPerChunk = 256;
    private const int HalfBlock = GgufWriter.Q4BlockSize / 2;

    /// <summary>Writes <paramref name="rows"/> rows of <paramref name="inputs"/> values, value (r, k) = key.At(r·inputs + k).</summary>
    public static void Write(Stream stream, int inputs, int rows, ulong key)
    {
        int blocks = inputs / GgufWriter.Q4BlockSize, rowBytes = blocks * GgufWriter.Q4BlockBytes;
        byte[] chunk = new byte[RowsPerChunk * rowBytes];
        for (int first = 0; first < rows; first += RowsPerChunk)
        {
            int count = Math.Min(RowsPerChunk, rows - first);
            Parallel.For(0, count, c =>
            {
                Span<float> values = stackalloc float[GgufWriter.Q4BlockSize];
                long row = (long)(first + c) * inputs;
                for (int b = 0; b < blocks; b++)
                {
                    for (int i = 0; i < values.Length; i++)
                    {
                        values[i] = key.At(row + (b * GgufWriter.Q4BlockSize) + i);
                    }

                    EncodeBlock(values, chunk.AsSpan((c * rowBytes) + (b * GgufWriter.Q4BlockBytes), GgufWriter.Q4BlockBytes));
                }
            });
            stream.Write(chunk, 0, count * rowBytes);
        }
    }

    /// <summary>One 18-byte block of 32 values.</summary>
    public static void EncodeBlock(ReadOnlySpan<float> values, Span<byte> block)
    {
        Span<byte> levels = stackalloc byte[GgufWriter.Q4BlockSize];
        float scale = Int4BlockQuantizer.QuantizeLevels(values, levels);
        BinaryPrimitives.WriteHalfLittleEndian(block, (Half)scale);
        for (int j = 0; j < HalfBlock; j++)
        {
            block[2 + j] = (byte)(levels[j] | (levels[j + HalfBlock] << 4));
        }
    }
}
