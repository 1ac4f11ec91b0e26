using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Qwen.Onnx.Multimodal;

/// <summary>
/// The decoder_model_merged session and what its metadata says: the KV-cache inputs and their head shape, whether
/// position_ids are three rows (M-RoPE) or one, and which present output feeds which past input.
/// </summary>
internal sealed class DecoderGraph : IDisposable
{
    public DecoderGraph(InferenceSession session, string folder)
    {
        Session = session;
        foreach (string required in new[] { "inputs_embeds", "attention_mask", "position_ids" })
        {
            if (!session.InputMetadata.ContainsKey(required))
            {
                throw new InvalidModelException(folder, $"decoder_model_merged has no {required} input; it is not an onnx-community multimodal decoder.");
            }
        }

        TensorElementType embeddings = session.InputMetadata["inputs_embeds"].ElementDataType;
        if (embeddings is not (TensorElementType.Float or TensorElementType.Float16))
        {
            throw new InvalidModelException(folder, $"this decoder takes {embeddings} embeddings; float32 and float16 decoders are supported.");
        }

        HalfPrecision = embeddings == TensorElementType.Float16;

        PastNames = [.. session.InputMetadata.Keys.Where(k => k.StartsWith("past_key_values.", StringComparison.Ordinal))];
        PresentNames = [.. PastNames.Select(p => "present." + p["past_key_values.".Length..])];
        int[] dims = session.InputMetadata[PastNames[0]].Dimensions;
        KeyValueHeads = dims[1];
        HeadSize = dims[3];
        ThreeRowPositions = session.InputMetadata["position_ids"].Dimensions.Length == 3;
        OutputNames = ["logits", .. PresentNames];
    }

    public InferenceSession Session { get; }

    public string[] PastNames { get; }

    public string[] PresentNames { get; }

    public string[] OutputNames { get; }

    public int KeyValueHeads { get; }

    /// <summary>Whether embeddings, KV cache and logits are float16 (the _fp16 and _q4f16 exports).</summary>
    public bool HalfPrecision { get; }

    public int HeadSize { get; }

    /// <summary>Whether position_ids are [3, B, S] (chosen from the graph's declared rank, not from names).</summary>
    public bool ThreeRowPositions { get; }

    public void Dispose() => Session.Dispose();
}
