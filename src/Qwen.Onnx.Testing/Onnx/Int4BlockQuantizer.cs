using System.Runtime.InteropServices;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Qwen.Onnx.Testing.Onnx;

/// <summary>
/// Writes a weight as <c>com.microsoft</c> MatMulNBits the way onnxruntime's MatMul4BitsQuantizer does with
/// block_size 32 and is_symmetric (the onnx-community q4 setting): per output column, blocks of 32 input rows; each
/// block's scale is its largest-magnitude value over −8, values are round(w / scale) + 8 clamped to [0, 15], and two
/// values share a byte, the even one in the low nibble. No zero_points input: the kernel's default is 8.
/// </summary>
internal static class Int4BlockQuantizer
{
    public const int BlockSize = 32;

    /// <summary>
    /// Adds B [N, K/32, 16] uint8, scales [N, K/32] float and the node computing x [.., K] · W [K, N] for
    /// <paramref name="weight"/>(k, n) = W[k, n]; returns the node's float output.
    /// </summary>
    public static string MatMulNBits(OnnxGraphBuilder g, string x, string name, int inputs, int outputs, Func<int, int, float> weight)
    {
        if (inputs % BlockSize != 0)
        {
            throw new ArgumentException($"{name}: {inputs} input features are not a whole number of {BlockSize}-blocks.", nameof(inputs));
        }

        int blocks = inputs / BlockSize;
        float[] scales = new float[outputs * blocks];
        string packed = g.Tensor(name + ".weight_Q4", DataType.Uint8, [outputs, blocks, BlockSize / 2], s => WritePacked(s, inputs, outputs, weight, scales));
        string scaleTensor = g.Tensor(name + ".weight_scales", DataType.Float, [outputs, blocks], s => s.Write(MemoryMarshal.AsBytes(scales.AsSpan())));
        return g.MicrosoftOp("MatMulNBits", [x, packed, scaleTensor], ("K", (long)inputs), ("N", (long)outputs), ("bits", 4L), ("block_size", (long)BlockSize));
    }

    /// <summary>Quantises one block: writes 16 packed bytes and returns the scale.</summary>
    public static float QuantizeBlock(ReadOnlySpan<float> values, Span<byte> packed)
    {
        Span<byte> levels = stackalloc byte[values.Length];
        float scale = QuantizeLevels(values, levels);
        for (int i = 0; i < values.Length; i += 2)
        {
            packed[i / 2] = (byte)(levels[i] | (levels[i + 1] << 4));
        }

        return scale;
    }

    /// <summary>
    /// Quantises one block to one level in [0, 15] per value and returns the scale; the packing is left to the
    /// caller because MatMulNBits pairs neighbours while GGUF's Q4_0 pairs value j with value j + 16.
    /// </summary>
    public static float QuantizeLevels(ReadOnlySpan<float> values, Span<byte> levels)
    {
        float extreme = 0;
        foreach (float v in values)
        {
            if (MathF.Abs(v) > MathF.Abs(extreme))
            {
                extreme = v;
            }
        }

        float scale = extreme / -8f;
        float reciprocal = scale != 0 ? 1f / scale : 0f;
        for (int i = 0; i < values.Length; i++)
        {
            levels[i] = (byte)Quantize(values[i], reciprocal);
        }

        return scale;
    }

    private static int Quantize(float value, float reciprocal) =>
        (int)Math.Clamp(MathF.Round((value * reciprocal) + 8f, MidpointRounding.AwayFromZero), 0f, 15f);

    private static void WritePacked(Stream stream, int inputs, int outputs, Func<int, int, float> weight, float[] scales)
    {
        int blocks = inputs / BlockSize, rowBytes = blocks * (BlockSize / 2);
        const int columnsPerChunk = 256;
        byte[] chunk = new byte[columnsPerChunk * rowBytes];
        for (int first = 0; first < outputs; first += columnsPerChunk)
        {
            int count = Math.Min(columnsPerChunk, outputs - first);
            Parallel.For(0, count, c =>
            {
                int n = first + c;
                Span<float> block = stackalloc float[BlockSize];
                for (int b = 0; b < blocks; b++)
                {
                    for (int i = 0; i < BlockSize; i++)
                    {
                        block[i] = weight((b * BlockSize) + i, n);
                    }

                    scales[(n * blocks) + b] = QuantizeBlock(block, chunk.AsSpan((c * rowBytes) + (b * (BlockSize / 2)), BlockSize / 2));
                }
            });
            stream.Write(chunk, 0, count * rowBytes);
        }
    }
}
