using Qwen.Onnx.Testing.Onnx;

namespace Qwen.Onnx.Testing.Gguf;

/// <summary>
/// The synthetic decoder's weights as a llama.cpp "qwen2" GGUF: the converter's metadata keys and tensor names
/// (blk.N.attn_q…ffn_down, q/k/v biases, no permutation: only llama.cpp's "llama" architecture permutes q and k,
/// and qwen2's NEOX rope rotates the halves of each head exactly as the ONNX graph does). Every value is the one
/// <see cref="SyntheticWeights"/> writes to ONNX, drawn from the same (seed, tensor name, index), so llama.cpp and
/// ONNX Runtime run the same model. GGUF lists dims innermost first, so a PyTorch [out, in] weight is ne = [in, out]
/// and its bytes are the [out, in] rows unchanged.
/// </summary>
internal static class GgufQwen2Model
{
    /// <summary>Config.json's bos_token_id (the tokenizer's bos_token is null), which the converter falls back to.</summary>
    private const int ConfigBosTokenId = 151643;

    /// <summary>The file a precision writes: model-f32.gguf, model-f16.gguf or model-q4_0.gguf.</summary>
    public static string FileName(SyntheticPrecision precision) => precision switch
    {
        SyntheticPrecision.Fp16 => "model-f16.gguf",
        SyntheticPrecision.Q4 => "model-q4_0.gguf",
        _ => "model-f32.gguf",
    };

    /// <summary>Writes the GGUF into <paramref name="folder"/>, which must already hold the tokenizer files.</summary>
    public static void Write(string folder, TinyQwenConfig config, SyntheticPrecision precision, string name)
    {
        var writer = new GgufWriter();
        AddHyperparameters(writer, config, precision, name);
        AddVocabulary(writer, GgufVocabulary.Read(folder, config.VocabSize, ConfigBosTokenId));
        new GgufQwen2Tensors(config, precision).AddTo(writer);
        writer.WriteTo(Path.Combine(folder, FileName(precision)));
    }

    private static void AddHyperparameters(GgufWriter w, TinyQwenConfig c, SyntheticPrecision precision, string name)
    {
        w.Add("general.architecture", "qwen2");
        w.Add("general.type", "model");
        w.Add("general.name", name);
        w.Add("qwen2.block_count", (uint)c.NumLayers);
        w.Add("qwen2.context_length", (uint)c.ContextLength);
        w.Add("qwen2.embedding_length", (uint)c.HiddenSize);
        w.Add("qwen2.feed_forward_length", (uint)c.IntermediateSize);
        w.Add("qwen2.attention.head_count", (uint)c.NumAttentionHeads);
        w.Add("qwen2.attention.head_count_kv", (uint)c.NumKeyValueHeads);
        w.Add("qwen2.rope.freq_base", c.RopeTheta);
        w.Add("qwen2.attention.layer_norm_rms_epsilon", c.RmsNormEpsilon);

        // llama_ftype: ALL_F32 = 0, MOSTLY_F16 = 1, MOSTLY_Q4_0 = 2.
        w.Add("general.file_type", precision switch { SyntheticPrecision.Fp16 => 1u, SyntheticPrecision.Q4 => 2u, _ => 0u });
        w.Add("general.quantization_version", 2u);
    }

    private static void AddVocabulary(GgufWriter w, GgufVocabulary vocabulary)
    {
        w.Add("tokenizer.ggml.model", "gpt2");
        w.Add("tokenizer.ggml.pre", "qwen2");
        w.Add("tokenizer.ggml.tokens", vocabulary.Tokens);
        w.Add("tokenizer.ggml.token_type", vocabulary.TokenTypes);
        w.Add("tokenizer.ggml.merges", vocabulary.Merges);
        w.Add("tokenizer.ggml.eos_token_id", (uint)vocabulary.EosTokenId);
        w.Add("tokenizer.ggml.padding_token_id", (uint)vocabulary.PaddingTokenId);
        w.Add("tokenizer.ggml.bos_token_id", (uint)vocabulary.BosTokenId);
        w.Add("tokenizer.ggml.add_bos_token", vocabulary.AddBosToken);
        w.Add("tokenizer.chat_template", vocabulary.ChatTemplate);
    }
}
