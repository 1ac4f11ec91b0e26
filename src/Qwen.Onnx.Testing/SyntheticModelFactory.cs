using Qwen.Onnx.Testing.Gguf;
using Qwen.Onnx.Testing.Onnx;
using Qwen.Onnx.Testing.Tokenizer;

namespace Qwen.Onnx.Testing;

/// <summary>The real checkpoints whose language-model shapes <see cref="SyntheticModelFactory"/> reproduces.</summary>
public enum SyntheticShape
{
    /// <summary>Qwen2.5-0.5B-Instruct: hidden 896, 24 layers, 14/2 heads, FFN 4864, tied 151936-token embedding.</summary>
    Qwen25HalfB,

    /// <summary>Qwen2.5-1.5B-Instruct: hidden 1536, 28 layers, 12/2 heads, FFN 8960, tied embedding.</summary>
    Qwen25OneAndHalfB,

    /// <summary>Qwen2-VL-2B-Instruct's language model (same shape as 1.5B, M-RoPE [16, 24, 24]) with a stand-in vision encoder.</summary>
    Qwen2Vl2B,
}

/// <summary>Weight precision and operators of a synthetic model.</summary>
public enum SyntheticPrecision
{
    /// <summary>float32 weights, plain MatMul.</summary>
    Fp32,

    /// <summary>float16 weights, embeddings, KV cache and logits; plain float16 MatMul.</summary>
    Fp16,

    /// <summary>4-bit MatMulNBits (block 32, symmetric) for every projection and the tied head; float32 embedding and activations.</summary>
    Q4,
}

/// <summary>Folder layout of a synthetic model.</summary>
public enum SyntheticLayout
{
    /// <summary>ONNX Runtime GenAI: <c>genai_config.json</c>, <c>model.onnx</c>, <c>model.onnx.data</c>.</summary>
    GenAi,

    /// <summary>onnx-community (transformers.js): <c>config.json</c>, <c>onnx/*{suffix}.onnx</c> with <c>*.onnx_data</c>.</summary>
    OnnxCommunity,

    /// <summary>
    /// llama.cpp: one GGUF v3 file (<c>model-f32.gguf</c>, <c>model-f16.gguf</c> or <c>model-q4_0.gguf</c>, architecture
    /// qwen2) with the same weights as the ONNX layouts, plus the tokenizer files; text shapes only.
    /// </summary>
    Gguf,
}

/// <summary>
/// Writes random-weight models with real Qwen shapes, operators and file layouts, for benchmarks (gigabytes: never for
/// unit tests). The graph is the tiny models' decoder; only the weights differ (<see cref="SyntheticWeights"/>). The
/// text is gibberish but every tensor is as large as the real one, so speed and memory are the real model's.
/// </summary>
public static class SyntheticModelFactory
{
    /// <summary>The language-model shape of a checkpoint (values from its public config.json).</summary>
    /// <param name="shape">The checkpoint.</param>
    /// <param name="seed">Seed of the random weights.</param>
    public static TinyQwenConfig Config(SyntheticShape shape, int seed = 1234) => shape switch
    {
        SyntheticShape.Qwen25HalfB => new TinyQwenConfig
        {
            Seed = seed, HiddenSize = 896, NumLayers = 24, NumAttentionHeads = 14, NumKeyValueHeads = 2, IntermediateSize = 4864, ContextLength = 32768,
        },
        _ => new TinyQwenConfig
        {
            Seed = seed, HiddenSize = 1536, NumLayers = 28, NumAttentionHeads = 12, NumKeyValueHeads = 2, IntermediateSize = 8960, ContextLength = 32768,
        },
    };

    /// <summary>Writes a model into a folder (created if missing, files overwritten).</summary>
    /// <param name="folder">The destination.</param>
    /// <param name="shape">Which checkpoint's shape.</param>
    /// <param name="precision">Weight precision and operators.</param>
    /// <param name="layout">GenAI or onnx-community files.</param>
    /// <param name="seed">Seed of the random weights.</param>
    /// <exception cref="ArgumentException">Qwen2-VL in the GenAI or GGUF layout, which have no vision-language decoder here.</exception>
    public static void Write(string folder, SyntheticShape shape, SyntheticPrecision precision, SyntheticLayout layout, int seed = 1234) =>
        Write(folder, Config(shape, seed), shape == SyntheticShape.Qwen2Vl2B, precision, layout);

    /// <summary>Writes a model of any shape; tests use this with reduced shapes.</summary>
    internal static void Write(string folder, TinyQwenConfig config, bool visionLanguage, SyntheticPrecision precision, SyntheticLayout layout)
    {
        config.Validate();
        if (visionLanguage && layout == SyntheticLayout.GenAi)
        {
            throw new ArgumentException("Qwen2-VL synthetic models exist in the onnx-community layout only: pass --layout onnx-community.", nameof(layout));
        }

        if (visionLanguage && layout == SyntheticLayout.Gguf)
        {
            throw new ArgumentException("GGUF synthetic models exist for the text shapes only (llama.cpp's qwen2 architecture): pass --shape qwen2.5-0.5b or qwen2.5-1.5b.", nameof(layout));
        }

        Directory.CreateDirectory(folder);
        QwenTokenizerAssets.WriteTo(folder);
        if (layout == SyntheticLayout.Gguf)
        {
            GgufQwen2Model.Write(folder, config, precision, $"Qwen.Onnx synthetic qwen2 {config.HiddenSize}x{config.NumLayers} seed {config.Seed}");
            return;
        }

        var weights = new SyntheticWeights(config, precision);
        bool half = precision == SyntheticPrecision.Fp16;
        if (layout == SyntheticLayout.GenAi)
        {
            using (var data = new ExternalDataFile(Path.Combine(folder, "model.onnx.data")))
            {
                TinyModelFactory.Save(DecoderGraph.BuildTextDecoder(config, weights, half, data), Path.Combine(folder, "model.onnx"));
            }

            File.WriteAllText(Path.Combine(folder, "genai_config.json"), TinyModelFactory.GenAiConfig(config));
            return;
        }

        string onnx = Path.Combine(folder, "onnx");
        Directory.CreateDirectory(onnx);
        string suffix = precision switch { SyntheticPrecision.Fp16 => "_fp16", SyntheticPrecision.Q4 => "_q4", _ => "" };
        File.WriteAllText(Path.Combine(folder, "generation_config.json"), OnnxCommunityConfigs.Generation());
        if (!visionLanguage)
        {
            using (var data = new ExternalDataFile(Path.Combine(onnx, $"model{suffix}.onnx_data")))
            {
                TinyModelFactory.Save(DecoderGraph.BuildTextDecoder(config, weights, half, data), Path.Combine(onnx, $"model{suffix}.onnx"));
            }

            File.WriteAllText(Path.Combine(folder, "config.json"), OnnxCommunityConfigs.Text(config));
            return;
        }

        using (var embedData = new ExternalDataFile(Path.Combine(onnx, $"embed_tokens{suffix}.onnx_data")))
        using (var decoderData = new ExternalDataFile(Path.Combine(onnx, $"decoder_model_merged{suffix}.onnx_data")))
        {
            (var embed, var decoder) = DecoderGraph.BuildSplit(config, weights, [.. config.MropeSections], half, embedData, decoderData);
            TinyModelFactory.Save(embed, Path.Combine(onnx, $"embed_tokens{suffix}.onnx"));
            TinyModelFactory.Save(decoder, Path.Combine(onnx, $"decoder_model_merged{suffix}.onnx"));
        }

        TinyModelFactory.Save(VisionEncoderGraph.Build(config, patchSize: 14, gridInputName: "grid_thw", halfPrecision: half), Path.Combine(onnx, $"vision_encoder{suffix}.onnx"));
        File.WriteAllText(Path.Combine(folder, "config.json"), OnnxCommunityConfigs.VisionLanguage(config));
        File.WriteAllText(Path.Combine(folder, "preprocessor_config.json"), OnnxCommunityConfigs.Qwen2VlPreprocessor());
    }
}
