using Microsoft.ML.OnnxRuntime;

namespace Qwen.Onnx.LlamaSharpBench;

/// <summary>
/// ONNX Runtime's logits at the prompt's last position: one run of the decoder on the whole prompt with an empty KV
/// cache, which is what the engine's prefill computes.
/// </summary>
internal static class OnnxLogits
{
    public static float[] LastPosition(string modelPath, int[] ids, int threads)
    {
        using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 };
        using var session = new InferenceSession(modelPath, options);
        var values = new List<OrtValue>();
        try
        {
            foreach ((string name, NodeMetadata meta) in session.InputMetadata)
            {
                values.Add(Input(name, meta, ids));
            }

            using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(new RunOptions(), [.. session.InputMetadata.Keys], values, ["logits"]);
            ReadOnlySpan<float> logits = outputs[0].GetTensorDataAsSpan<float>();
            int vocab = logits.Length / ids.Length;
            return logits.Slice((ids.Length - 1) * vocab, vocab).ToArray();
        }
        finally
        {
            values.ForEach(v => v.Dispose());
        }
    }

    private static OrtValue Input(string name, NodeMetadata meta, int[] ids)
    {
        long s = ids.Length;
        return name switch
        {
            "input_ids" => OrtValue.CreateTensorValueFromMemory(ids.Select(i => (long)i).ToArray(), [1, s]),
            "attention_mask" => OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1L, ids.Length).ToArray(), [1, s]),
            "position_ids" => OrtValue.CreateTensorValueFromMemory(Enumerable.Range(0, ids.Length).Select(i => (long)i).ToArray(), [1, s]),

            // past_key_values.N.key/value [batch, kv heads, past, head]: batch 1, nothing cached yet.
            _ => OrtValue.CreateTensorValueFromMemory(Array.Empty<float>(), [1, meta.Dimensions[1], 0, meta.Dimensions[3]]),
        };
    }
}
