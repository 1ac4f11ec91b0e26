using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Qwen.Onnx.Testing.Onnx;

/// <summary>
/// Writes a Qwen2-architecture decoder with plain ONNX ops (opset 17): embedding, RMSNorm, rotary attention with
/// grouped KV heads and a Concat KV cache, SwiGLU, output head. <see cref="DecoderWeights"/> decides the weights: the
/// tiny models' hashed tables (<see cref="HashedWeights"/>) or real-shaped random ones (<see cref="SyntheticWeights"/>).
/// <see cref="DecoderInput.InputIds"/> with 1-D positions is the contract of ONNX Runtime GenAI's qwen2 type
/// (past_present_share_buffer false); <see cref="DecoderInput.InputsEmbeds"/> splits the embedding into its own
/// embed_tokens graph as in onnx-community exports, with [3,B,S] M-RoPE or [B,S] positions. The weights are drawn in
/// the same order for every variant, so a split model computes exactly what the GenAI model computes.
/// </summary>
internal sealed class DecoderGraph
{
    private readonly TinyQwenConfig _c;
    private readonly OnnxGraphBuilder _g;
    private readonly DecoderWeights _w;
    private readonly bool _half;

    private DecoderGraph(TinyQwenConfig config, DecoderWeights weights, bool halfPrecision, ExternalDataFile? data)
    {
        _c = config;
        _w = weights;
        _half = halfPrecision;
        _g = new OnnxGraphBuilder("qwen2_decoder") { External = data };
    }

    /// <summary>The GenAI text decoder: input_ids, 1-D position ids, embedding inside.</summary>
    public static ModelProto BuildTextDecoder(TinyQwenConfig config) =>
        BuildTextDecoder(config, new HashedWeights(config), halfPrecision: false, data: null);

    /// <summary>The GenAI text decoder with chosen weights; <paramref name="data"/> receives large tensors when set.</summary>
    public static ModelProto BuildTextDecoder(TinyQwenConfig config, DecoderWeights weights, bool halfPrecision, ExternalDataFile? data) =>
        new DecoderGraph(config, weights, halfPrecision, data).WriteDecoder(DecoderInput.InputIds, mropeSections: null);

    /// <summary>The onnx-community pair: embed_tokens (input_ids → inputs_embeds) and a decoder taking inputs_embeds.</summary>
    /// <param name="config">Shape and seed.</param>
    /// <param name="mropeSections">Frequency slots per temporal/height/width axis for [3,B,S] positions; null for [B,S].</param>
    /// <param name="halfPrecision">
    /// float16 embeddings, KV cache and logits, as the _fp16 exports have (the same weights, computed in float between casts).
    /// </param>
    public static (ModelProto EmbedTokens, ModelProto Decoder) BuildSplit(TinyQwenConfig config, int[]? mropeSections, bool halfPrecision = false) =>
        BuildSplit(config, new HashedWeights(config), mropeSections, halfPrecision, embedData: null, decoderData: null);

    /// <summary>The onnx-community pair with chosen weights; each graph's large tensors go to its own data file when set.</summary>
    public static (ModelProto EmbedTokens, ModelProto Decoder) BuildSplit(
        TinyQwenConfig config, DecoderWeights weights, int[]? mropeSections, bool halfPrecision, ExternalDataFile? embedData, ExternalDataFile? decoderData)
    {
        var graph = new DecoderGraph(config, weights, halfPrecision, decoderData);
        return (graph.WriteEmbedTokens(embedData), graph.WriteDecoder(DecoderInput.InputsEmbeds, mropeSections));
    }

    private ModelProto WriteEmbedTokens(ExternalDataFile? data)
    {
        var g = new OnnxGraphBuilder("qwen2_embed_tokens") { External = data };
        g.Input("input_ids", DataType.Int64, "batch_size", "sequence_length");
        g.Output("inputs_embeds", Io, "batch_size", "sequence_length", _c.HiddenSize);
        g.OpNamed("inputs_embeds", "Cast", [_w.Embed(g, "input_ids")], ("to", (long)Io));
        return g.ToModel();
    }

    private ModelProto WriteDecoder(DecoderInput input, int[]? mropeSections)
    {
        int kv = _c.NumKeyValueHeads, hd = _c.HeadSize;
        string tokens = input == DecoderInput.InputIds ? "input_ids" : "inputs_embeds";
        if (input == DecoderInput.InputIds)
        {
            _g.Input("input_ids", DataType.Int64, "batch_size", "sequence_length");
        }
        else
        {
            _g.Input("inputs_embeds", Io, "batch_size", "sequence_length", _c.HiddenSize);
        }

        _g.Input("attention_mask", DataType.Int64, "batch_size", "total_sequence_length");
        if (mropeSections is null)
        {
            _g.Input("position_ids", DataType.Int64, "batch_size", "sequence_length");
        }
        else
        {
            _g.Input("position_ids", DataType.Int64, 3, "batch_size", "sequence_length");
        }
        for (int i = 0; i < _c.NumLayers; i++)
        {
            _g.Input($"past_key_values.{i}.key", Io, "batch_size", kv, "past_sequence_length", hd);
            _g.Input($"past_key_values.{i}.value", Io, "batch_size", kv, "past_sequence_length", hd);
        }

        _g.Output("logits", Io, "batch_size", "sequence_length", _c.VocabSize);
        for (int i = 0; i < _c.NumLayers; i++)
        {
            _g.Output($"present.{i}.key", Io, "batch_size", kv, "total_sequence_length", hd);
            _g.Output($"present.{i}.value", Io, "batch_size", kv, "total_sequence_length", hd);
        }

        string x = input == DecoderInput.InputIds ? _w.Embed(_g, "input_ids") : ToFloat("inputs_embeds");
        (string cos, string sin) = Rotary("position_ids", mropeSections);
        string mask = AttentionMask("attention_mask", tokens);
        for (int i = 0; i < _c.NumLayers; i++)
        {
            string attention = Attention(i, RmsNorm(x, $"layers.{i}.input_norm"), cos, sin, mask);
            x = _g.Op("Add", [x, attention]);
            string mlp = SwiGlu(i, RmsNorm(x, $"layers.{i}.post_attention_norm"));
            x = _g.Op("Add", [x, mlp]);
        }

        _g.OpNamed("logits", "Cast", [_w.Head(_g, RmsNorm(x, "final_norm"))], ("to", (long)Io));
        return _g.ToModel();
    }

    /// <summary>The element type of embeddings, KV cache and logits.</summary>
    private DataType Io => _half ? DataType.Float16 : DataType.Float;

    private string ToFloat(string value) => _half ? _g.Op("Cast", [value], ("to", (long)DataType.Float)) : value;

    private string RmsNorm(string x, string name)
    {
        string weight = _w.Norm(_g, name, _c.HiddenSize);
        string meanSquare = _g.Op("ReduceMean", [_g.Op("Mul", [x, x])], ("axes", new[] { -1L }), ("keepdims", 1L));
        string rms = _g.Op("Sqrt", [_g.Op("Add", [meanSquare, _g.Scalar(_c.RmsNormEpsilon)])]);
        return _g.Op("Mul", [_g.Op("Div", [x, rms]), weight]);
    }

    /// <summary>
    /// cos and sin of the rotary angles, [B, 1, S, head] so they broadcast over heads. With M-RoPE each frequency
    /// slot takes its angle from the temporal, height or width row of the [3,B,S] positions, section by section
    /// (Qwen2-VL's layout: the first sections[0] slots from row 0, the next sections[1] from row 1, ...).
    /// </summary>
    private (string Cos, string Sin) Rotary(string positionIds, int[]? mropeSections)
    {
        int half = _c.HeadSize / 2;
        float[] invFreq = [.. Enumerable.Range(0, half).Select(i => 1f / MathF.Pow(_c.RopeTheta, 2f * i / _c.HeadSize))];
        string inv = _g.Floats("rotary.inv_freq", invFreq, half);
        string positions = _g.Op("Unsqueeze", [_g.Op("Cast", [positionIds], ("to", (long)DataType.Float)), _g.Vector(-1)]);
        string freqs = _g.Op("Mul", [positions, inv]);
        if (mropeSections is not null)
        {
            if (mropeSections.Length != 3 || mropeSections.Sum() != half)
            {
                throw new ArgumentException($"M-RoPE needs three sections that add up to {half} frequency slots.", nameof(mropeSections));
            }

            var select = new float[3 * half];
            for (int slot = 0, axis = 0, end = mropeSections[0]; slot < half; slot++)
            {
                while (slot >= end)
                {
                    end += mropeSections[++axis];
                }

                select[(axis * half) + slot] = 1f;
            }

            string oneHot = _g.Floats("rotary.mrope_select", select, 3, 1, 1, half);
            freqs = _g.Op("ReduceSum", [_g.Op("Mul", [freqs, oneHot]), _g.Vector(0)], ("keepdims", 0L));
        }

        string angles = _g.Op("Unsqueeze", [_g.Op("Concat", [freqs, freqs], ("axis", -1L)), _g.Vector(1)]);
        return (_g.Op("Cos", [angles]), _g.Op("Sin", [angles]));
    }

    /// <summary>True where query i may see key j: j is a real token and j ≤ past + i. Shape [B, 1, 1, S, T].</summary>
    private string AttentionMask(string attentionMask, string tokens)
    {
        string total = _g.Op("Gather", [_g.Op("Shape", [attentionMask]), _g.Scalar(1L)]);
        string length = _g.Op("Gather", [_g.Op("Shape", [tokens]), _g.Scalar(1L)]);
        string keys = _g.Op("Range", [_g.Scalar(0L), total, _g.Scalar(1L)]);
        string queries = _g.Op("Range", [_g.Op("Sub", [total, length]), total, _g.Scalar(1L)]);
        string causal = _g.Op("LessOrEqual", [keys, _g.Op("Unsqueeze", [queries, _g.Vector(1)])]);
        string padding = _g.Op("Unsqueeze", [_g.Op("Cast", [attentionMask], ("to", (long)DataType.Bool)), _g.Vector(1, 2, 3)]);
        return _g.Op("And", [causal, padding]);
    }

    private string Attention(int layer, string x, string cos, string sin, string mask)
    {
        int heads = _c.NumAttentionHeads, kv = _c.NumKeyValueHeads, hd = _c.HeadSize;
        string q = Heads(Linear(x, $"layers.{layer}.q", _c.HiddenSize, heads * hd, bias: true), heads);
        string k = Heads(Linear(x, $"layers.{layer}.k", _c.HiddenSize, kv * hd, bias: true), kv);
        string v = Heads(Linear(x, $"layers.{layer}.v", _c.HiddenSize, kv * hd, bias: true), kv);
        q = Rotate(q, cos, sin);
        k = Rotate(k, cos, sin);
        string keys = _g.Op("Concat", [ToFloat($"past_key_values.{layer}.key"), k], ("axis", 2L));
        string values = _g.Op("Concat", [ToFloat($"past_key_values.{layer}.value"), v], ("axis", 2L));
        _g.OpNamed($"present.{layer}.key", "Cast", [keys], ("to", (long)Io));
        _g.OpNamed($"present.{layer}.value", "Cast", [values], ("to", (long)Io));

        // Grouped-query attention: [B, kv, group, S, hd] queries against [B, kv, 1, T, hd] keys.
        string grouped = _g.Op("Reshape", [q, _g.Vector(0, kv, heads / kv, -1, hd)]);
        string k5 = _g.Op("Unsqueeze", [keys, _g.Vector(2)]);
        string v5 = _g.Op("Unsqueeze", [values, _g.Vector(2)]);
        string scores = _g.Op("Mul", [_g.Op("MatMul", [grouped, _g.Op("Transpose", [k5], ("perm", new long[] { 0, 1, 2, 4, 3 }))]), _g.Scalar(1f / MathF.Sqrt(hd))]);
        string masked = _g.Op("Where", [mask, scores, _g.Scalar(-1e9f)]);
        string context = _g.Op("MatMul", [_g.Op("Softmax", [masked], ("axis", -1L)), v5]);
        string merged = _g.Op("Reshape", [_g.Op("Transpose", [_g.Op("Reshape", [context, _g.Vector(0, heads, -1, hd)])], ("perm", new long[] { 0, 2, 1, 3 })), _g.Vector(0, 0, heads * hd)]);
        return Linear(merged, $"layers.{layer}.o", heads * hd, _c.HiddenSize, bias: false);
    }

    private string Heads(string x, int count) =>
        _g.Op("Transpose", [_g.Op("Reshape", [x, _g.Vector(0, 0, count, _c.HeadSize)])], ("perm", new long[] { 0, 2, 1, 3 }));

    private string Rotate(string x, string cos, string sin)
    {
        int half = _c.HeadSize / 2;
        string first = _g.Op("Slice", [x, _g.Vector(0), _g.Vector(half), _g.Vector(-1)]);
        string second = _g.Op("Slice", [x, _g.Vector(half), _g.Vector(_c.HeadSize), _g.Vector(-1)]);
        string rotated = _g.Op("Concat", [_g.Op("Neg", [second]), first], ("axis", -1L));
        return _g.Op("Add", [_g.Op("Mul", [x, cos]), _g.Op("Mul", [rotated, sin])]);
    }

    private string SwiGlu(int layer, string x)
    {
        string gate = Linear(x, $"layers.{layer}.gate", _c.HiddenSize, _c.IntermediateSize, bias: false);
        string up = Linear(x, $"layers.{layer}.up", _c.HiddenSize, _c.IntermediateSize, bias: false);
        string silu = _g.Op("Mul", [gate, _g.Op("Sigmoid", [gate])]);
        return Linear(_g.Op("Mul", [silu, up]), $"layers.{layer}.down", _c.IntermediateSize, _c.HiddenSize, bias: false);
    }

    private string Linear(string x, string name, int inputs, int outputs, bool bias) => _w.Linear(_g, x, name, inputs, outputs, bias);
}

/// <summary>What the decoder graph takes as its token input.</summary>
internal enum DecoderInput
{
    /// <summary>Token ids; the embedding is inside the decoder (GenAI layout).</summary>
    InputIds,

    /// <summary>Embeddings from a separate embed_tokens graph (onnx-community layout), so encoders can replace rows.</summary>
    InputsEmbeds,
}
