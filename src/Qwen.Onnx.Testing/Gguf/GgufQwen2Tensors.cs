using Qwen.Onnx.Testing.Onnx;

namespace Qwen.Onnx.Testing.Gguf;

/// <summary>
/// The tensors of <see cref="GgufQwen2Model"/>. Projections are F32, F16 or Q4_0 as the ONNX model's are float32,
/// float16 or MatMulNBits; norms and biases stay F32 (the ONNX graphs keep them float too). The head is tied as in
/// Qwen2.5-0.5B (no output.weight), except for q4: there the ONNX model gathers its embedding from a float32 table and
/// multiplies by a 4-bit head, so the GGUF carries an F32 token_embd and a Q4_0 output.weight of the same values.
/// </summary>
internal sealed class GgufQwen2Tensors(TinyQwenConfig config, SyntheticPrecision precision)
{
    private GgmlType Projection => precision switch
    {
        SyntheticPrecision.Fp16 => GgmlType.F16,
        SyntheticPrecision.Q4 => GgmlType.Q4_0,
        _ => GgmlType.F32,
    };

    public void AddTo(GgufWriter w)
    {
        int hidden = config.HiddenSize, vocab = config.VocabSize;
        GgmlType embedding = precision == SyntheticPrecision.Fp16 ? GgmlType.F16 : GgmlType.F32;
        Matrix(w, "token_embd.weight", "embed_tokens", embedding, hidden, vocab);
        for (int i = 0; i < config.NumLayers; i++)
        {
            Layer(w, i);
        }

        Ones(w, "output_norm.weight", hidden);
        if (precision == SyntheticPrecision.Q4)
        {
            Matrix(w, "output.weight", "embed_tokens", GgmlType.Q4_0, hidden, vocab);
        }
    }

    private void Layer(GgufWriter w, int i)
    {
        int hidden = config.HiddenSize, q = config.NumAttentionHeads * config.HeadSize, kv = config.NumKeyValueHeads * config.HeadSize;
        string blk = $"blk.{i}.", ours = $"layers.{i}.";
        Ones(w, blk + "attn_norm.weight", hidden);
        Matrix(w, blk + "attn_q.weight", ours + "q", Projection, hidden, q);
        Vector(w, blk + "attn_q.bias", ours + "q.bias", q);
        Matrix(w, blk + "attn_k.weight", ours + "k", Projection, hidden, kv);
        Vector(w, blk + "attn_k.bias", ours + "k.bias", kv);
        Matrix(w, blk + "attn_v.weight", ours + "v", Projection, hidden, kv);
        Vector(w, blk + "attn_v.bias", ours + "v.bias", kv);
        Matrix(w, blk + "attn_output.weight", ours + "o", Projection, q, hidden);
        Ones(w, blk + "ffn_norm.weight", hidden);
        Matrix(w, blk + "ffn_gate.weight", ours + "gate", Projection, hidden, config.IntermediateSize);
        Matrix(w, blk + "ffn_up.weight", ours + "up", Projection, hidden, config.IntermediateSize);
        Matrix(w, blk + "ffn_down.weight", ours + "down", Projection, config.IntermediateSize, hidden);
    }

    /// <summary>A PyTorch [rows, inputs] weight: ne = [inputs, rows], element r·inputs + k is the synthetic value at that index.</summary>
    private void Matrix(GgufWriter w, string name, string tensor, GgmlType type, int inputs, int rows)
    {
        ulong key = SyntheticRandom.Key(config.Seed, tensor);
        long[] dims = [inputs, rows];
        w.AddTensor(name, type, dims, type == GgmlType.Q4_0
            ? s => GgufQ40Blocks.Write(s, inputs, rows, key)
            : s => SyntheticWeights.WriteValues(s, (long)inputs * rows, i => key.At(i), type == GgmlType.F16));
    }

    private void Vector(GgufWriter w, string name, string tensor, int size)
    {
        ulong key = SyntheticRandom.Key(config.Seed, tensor);
        w.AddTensor(name, GgmlType.F32, [size], s => SyntheticWeights.WriteValues(s, size, i => key.At(i), half: false));
    }

    private static void Ones(GgufWriter w, string name, int size) =>
        w.AddTensor(name, GgmlType.F32, [size], s => SyntheticWeights.WriteValues(s, size, _ => 1f, half: false));
}
