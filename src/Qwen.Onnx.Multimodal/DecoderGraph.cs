using Microsoft.ML.OnnxRuntime.Tensors;
using Qwen.Onnx.Runtime.Direct;

namespace Qwen.Onnx.Multimodal;

/// <summary>
/// The text side of an onnx-community export and what its metadata says: either embed_tokens + decoder_model_merged
/// (multimodal exports: the decoder takes <c>inputs_embeds</c>) or one decoder on <c>input_ids</c> (text-only exports,
/// <c>onnx/model*.onnx</c>); the hidden size, the KV-cache inputs and their head shape, whether position_ids are three
/// rows (M-RoPE) or one, and which present output feeds which past input.
/// </summary>
internal sealed class DecoderGraph : IDisposable
{
    public DecoderGraph(DirectSession? embed, DirectSession decoder, string folder)
    {
        Embed = embed;
        Decoder = decoder;
        Folder = folder;
        Dictionary<string, GraphPort> inputs = decoder.Inputs.ToDictionary(p => p.Name);
        string tokens = embed is null ? "input_ids" : "inputs_embeds";
        foreach (string required in new[] { tokens, "attention_mask", "position_ids" })
        {
            if (!inputs.ContainsKey(required))
            {
                throw new InvalidModelException(folder, $"the decoder has no {required} input; it is not an onnx-community {(embed is null ? "text" : "multimodal")} decoder.");
            }
        }

        PastNames = [.. inputs.Keys.Where(k => k.StartsWith("past_key_values.", StringComparison.Ordinal))];
        if (PastNames.Length == 0 || inputs[PastNames[0]].Dimensions.Count != 4)
        {
            throw new InvalidModelException(folder, "the decoder has no past_key_values.* inputs of shape [batch, heads, past, head size]; use the merged decoder export that carries the KV cache.");
        }

        // The KV cache's element type is the decoder's precision (embeddings and logits share it).
        TensorElementType precision = inputs[PastNames[0]].ElementType;
        if (precision is not (TensorElementType.Float or TensorElementType.Float16))
        {
            throw new InvalidModelException(folder, $"this decoder keeps a {precision} KV cache; float32 and float16 decoders are supported.");
        }

        HalfPrecision = precision == TensorElementType.Float16;
        if (embed is not null)
        {
            HiddenSize = embed.Outputs[0].Dimensions is [.., long last] ? (int)last : 0;
            if (HiddenSize <= 0 || embed.Outputs[0].ElementType != precision || inputs[tokens].ElementType != precision)
            {
                throw new InvalidModelException(folder, $"embed_tokens must return {precision} embeddings with a fixed hidden size, as the decoder takes; it returns {embed.Outputs[0].ElementType} [{string.Join(',', embed.Outputs[0].Dimensions)}].");
            }
        }

        IReadOnlyList<long> dims = inputs[PastNames[0]].Dimensions;
        KeyValueHeads = (int)dims[1];
        HeadSize = (int)dims[3];
        ThreeRowPositions = inputs["position_ids"].Dimensions.Count == 3;

        // Every onnx-community export declares a symbolic batch dimension; one fixed at 1 cannot share steps.
        BatchesSteps = inputs[tokens].Dimensions[0] < 0 && inputs["attention_mask"].Dimensions[0] < 0 && dims[0] < 0;
        try
        {
            EmbedInputs = embed?.SelectInputs("input_ids");
            EmbedOutputs = embed?.SelectOutputs(embed.Outputs[0].Name);
            DecoderInputs = decoder.SelectInputs([tokens, "attention_mask", "position_ids", .. PastNames]);
            DecoderOutputs = decoder.SelectOutputs(["logits", .. PastNames.Select(p => "present." + p["past_key_values.".Length..])]);
        }
        catch (ArgumentException e)
        {
            throw new InvalidModelException(folder, $"{(embed is null ? "onnx/model.onnx does" : "embed_tokens and decoder_model_merged do")} not have the onnx-community inputs and outputs: {e.Message}", e);
        }
    }

    /// <summary>The model folder, for errors about the export.</summary>
    public string Folder { get; }

    /// <summary>embed_tokens; <see langword="null"/> when the decoder takes token ids itself.</summary>
    public DirectSession? Embed { get; }

    public DirectSession Decoder { get; }

    public PortSelection? EmbedInputs { get; }

    public PortSelection? EmbedOutputs { get; }

    /// <summary>Whether the decoder's first input is input_ids (no embed_tokens graph).</summary>
    public bool TakesTokenIds => Embed is null;

    /// <summary>inputs_embeds (or input_ids), attention_mask, position_ids, then every past_key_values.* input.</summary>
    public PortSelection DecoderInputs { get; }

    /// <summary>logits, then the present.* output matching each past input in <see cref="DecoderInputs"/> order.</summary>
    public PortSelection DecoderOutputs { get; }

    public string[] PastNames { get; }

    public int HiddenSize { get; }

    public int KeyValueHeads { get; }

    /// <summary>Whether embeddings, KV cache and logits are float16 (the _fp16 and _q4f16 exports).</summary>
    public bool HalfPrecision { get; }

    public int HeadSize { get; }

    /// <summary>Whether position_ids are [3, B, S] (chosen from the graph's declared rank, not from names).</summary>
    public bool ThreeRowPositions { get; }

    /// <summary>Whether the decoder's batch dimension is dynamic, so concurrent requests can share a decode step.</summary>
    public bool BatchesSteps { get; }

    /// <summary>
    /// The logits of position <paramref name="row"/> of a logits output holding <paramref name="rows"/> positions: a
    /// view into the native tensor (valid until it is released) for float32 decoders; float16 logits are widened into
    /// <paramref name="widened"/> (one vocabulary long), which the sampler may then modify.
    /// </summary>
    public static Span<float> Logits(NativeTensor logits, int row, int rows, Span<float> widened)
    {
        if (widened.IsEmpty)
        {
            Span<float> all = logits.GetData<float>();
            int vocabulary = all.Length / rows;
            return all.Slice(row * vocabulary, vocabulary);
        }

        logits.CopyAsSingle(row * widened.Length, widened);
        return widened;
    }

    /// <summary>The vocabulary size of a logits output holding <paramref name="rows"/> positions.</summary>
    public int VocabularyOf(NativeTensor logits, int rows) =>
        (HalfPrecision ? logits.GetData<Half>().Length : logits.GetData<float>().Length) / rows;

    public void Dispose()
    {
        Embed?.Dispose();
        Decoder.Dispose();
    }
}
