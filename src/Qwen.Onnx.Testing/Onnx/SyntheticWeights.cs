using System.Runtime.InteropServices;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Qwen.Onnx.Testing.Onnx;

/// <summary>
/// Real-shaped random weights as exports lay them out: a [vocab, hidden] Gather embedding, a tied output head (the
/// transposed embedding, as exporters duplicate it), plain MatMul projections for float32/float16 and
/// <c>com.microsoft</c> MatMulNBits (4 bits, block 32, symmetric) for q4, the head included, as onnxruntime's quantizer
/// writes them. Every value is a pure function of (seed, tensor name, index), so tensors stream to the external-data
/// file in whatever order their layout needs, with no full copy in memory. Values are uniform with standard deviation
/// 0.02 (Hugging Face's initializer range) and norms are ones, so activations stay finite through every layer.
/// </summary>
internal sealed class SyntheticWeights(TinyQwenConfig config, SyntheticPrecision precision) : DecoderWeights
{
    private const float Deviation = 0.02f;
    private const int ChunkElements = 1 << 20;

    private bool HalfPrecision => precision == SyntheticPrecision.Fp16;

    private DataType WeightType => HalfPrecision ? DataType.Float16 : DataType.Float;

    public override string Embed(OnnxGraphBuilder g, string ids)
    {
        int vocab = config.VocabSize, hidden = config.HiddenSize;
        ulong key = Key("embed_tokens");
        string table = g.Tensor("model.embed_tokens.weight", WeightType, [vocab, hidden], s => WriteValues(s, (long)vocab * hidden, i => key.At(i), HalfPrecision));
        return ToFloat(g, g.Op("Gather", [table, ids]));
    }

    public override string Head(OnnxGraphBuilder g, string x)
    {
        // Tied: head[k, n] = embed[n, k].
        int hidden = config.HiddenSize;
        ulong key = Key("embed_tokens");
        return Projection(g, x, "lm_head", hidden, config.VocabSize, (k, n) => key.At(((long)n * hidden) + k));
    }

    public override string Linear(OnnxGraphBuilder g, string x, string name, int inputs, int outputs, bool bias)
    {
        // Stored as PyTorch's [out, in] rows: W[k, n] is element n·in + k.
        ulong key = Key(name);
        string y = Projection(g, x, name, inputs, outputs, (k, n) => key.At(((long)n * inputs) + k));
        if (!bias)
        {
            return y;
        }

        ulong biasKey = Key(name + ".bias");
        float[] values = new float[outputs];
        for (int i = 0; i < outputs; i++)
        {
            values[i] = biasKey.At(i);
        }

        return g.Op("Add", [y, g.Floats(name + ".bias", values, outputs)]);
    }

    public override string Norm(OnnxGraphBuilder g, string name, int size) => g.Floats(name, [.. Enumerable.Repeat(1f, size)], size);

    private string Projection(OnnxGraphBuilder g, string x, string name, int inputs, int outputs, Func<int, int, float> weight)
    {
        if (precision == SyntheticPrecision.Q4)
        {
            return Int4BlockQuantizer.MatMulNBits(g, x, name, inputs, outputs, weight);
        }

        string matrix = g.Tensor(name + ".weight", WeightType, [inputs, outputs], s =>
            WriteValues(s, (long)inputs * outputs, i => weight((int)(i / outputs), (int)(i % outputs)), HalfPrecision));
        if (precision == SyntheticPrecision.Fp32)
        {
            return g.Op("MatMul", [x, matrix]);
        }

        return ToFloat(g, g.Op("MatMul", [g.Op("Cast", [x], ("to", (long)DataType.Float16)), matrix]));
    }

    private string ToFloat(OnnxGraphBuilder g, string value) =>
        precision == SyntheticPrecision.Fp16 ? g.Op("Cast", [value], ("to", (long)DataType.Float)) : value;

    /// <summary>
    /// Fills <paramref name="count"/> values chunk by chunk (in parallel within a chunk) and writes them as float32, or
    /// float16 when <paramref name="half"/>; the GGUF writer streams its F32/F16 tensors through here too.
    /// </summary>
    internal static void WriteValues(Stream stream, long count, Func<long, float> at, bool half)
    {
        // Norms and biases are a few hundred values: no megabyte buffers for them.
        int size = (int)Math.Min(ChunkElements, count);
        float[] chunk = new float[size];
        Half[] halves = half ? new Half[size] : [];
        for (long start = 0; start < count; start += ChunkElements)
        {
            int length = (int)Math.Min(ChunkElements, count - start);
            Parallel.For(0, (length + 4095) / 4096, block =>
            {
                int end = Math.Min(length, (block + 1) * 4096);
                for (int i = block * 4096; i < end; i++)
                {
                    chunk[i] = at(start + i);
                }
            });
            if (halves.Length == 0)
            {
                stream.Write(MemoryMarshal.AsBytes(chunk.AsSpan(0, length)));
                continue;
            }

            for (int i = 0; i < length; i++)
            {
                halves[i] = (Half)chunk[i];
            }

            stream.Write(MemoryMarshal.AsBytes(halves.AsSpan(0, length)));
        }
    }

    private ulong Key(string tensor) => SyntheticRandom.Key(config.Seed, tensor);
}

/// <summary>A counter-based generator: the value at an index is a hash of (key, index), so any element can be drawn in any order.</summary>
internal static class SyntheticRandom
{
    // A uniform on [-a, a) has standard deviation a/√3.
    private static readonly float Limit = 0.02f * MathF.Sqrt(3f);

    /// <summary>The key of one tensor: FNV-1a of its name, mixed with the seed.</summary>
    public static ulong Key(int seed, string tensor)
    {
        ulong hash = 14695981039346656037UL ^ (ulong)seed;
        foreach (char c in tensor)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }

    /// <summary>The weight at an index: SplitMix64 of the key and index, mapped to a uniform with deviation 0.02.</summary>
    public static float At(this ulong key, long index)
    {
        ulong z = key + ((ulong)index * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (((int)(z >> 40) - (1 << 23)) * (1f / (1 << 23))) * Limit;
    }
}
