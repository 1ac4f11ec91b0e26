using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Qwen.Onnx.Text.Tests;

/// <summary>
/// An independent greedy decoder: one full-sequence ONNX Runtime pass per token with an empty KV cache, no GenAI.
/// Matching its ids validates the engine's KV cache, mask and position handling end to end.
/// </summary>
internal sealed class ReferenceDecoder : IDisposable
{
    private readonly InferenceSession _session;

    public ReferenceDecoder(string folder) => _session = new InferenceSession(Path.Combine(folder, "model.onnx"));

    public List<int> Greedy(IReadOnlyList<int> prompt, int newTokens, IReadOnlyCollection<int> endOfTurn)
    {
        var ids = new List<long>(prompt.Select(i => (long)i));
        var generated = new List<int>();
        for (int step = 0; step < newTokens; step++)
        {
            int next = ArgmaxOfLast(ids);
            generated.Add(next);
            if (endOfTurn.Contains(next))
            {
                break;
            }

            ids.Add(next);
        }

        return generated;
    }

    public void Dispose() => _session.Dispose();

    private int ArgmaxOfLast(List<long> ids)
    {
        int n = ids.Count;
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(ids.ToArray(), [1, n])),
            NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(Enumerable.Repeat(1L, n).ToArray(), [1, n])),
            NamedOnnxValue.CreateFromTensor("position_ids", new DenseTensor<long>(Enumerable.Range(0, n).Select(i => (long)i).ToArray(), [1, n])),
        };
        foreach (string name in _session.InputMetadata.Keys.Where(k => k.StartsWith("past_key_values.", StringComparison.Ordinal)))
        {
            int[] dims = _session.InputMetadata[name].Dimensions;
            inputs.Add(NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>([1, dims[1], 0, dims[3]])));
        }

        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> outputs = _session.Run(inputs, ["logits"]);
        var logits = (DenseTensor<float>)outputs[0].AsTensor<float>();
        int vocab = logits.Dimensions[2];
        ReadOnlySpan<float> last = logits.Buffer.Span.Slice((n - 1) * vocab, vocab);
        int best = 0;
        for (int v = 1; v < vocab; v++)
        {
            if (last[v] > last[best])
            {
                best = v;
            }
        }

        return best;
    }
}
