using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Qwen.Onnx.Multimodal.Tests;

/// <summary>
/// An independent greedy decoder for onnx-community folders: every step embeds the whole sequence, writes the encoder
/// features over the pad embeddings, recomputes the positions of the whole sequence, and runs the decoder with an
/// empty KV cache. Matching it validates the engine's cache, mask, merge and position continuation. M-RoPE positions
/// of the prompt come from the golden file (a JavaScript port of HF <c>get_rope_index</c>); the tokens generated after
/// it are trailing text, which <c>get_rope_index</c> places at the prompt's largest position + 1, + 2, … on all rows.
/// </summary>
internal sealed class FullSequenceReference : IDisposable
{
    private readonly InferenceSession _embed;
    private readonly InferenceSession _decoder;

    public FullSequenceReference(string folder)
    {
        _embed = new InferenceSession(Path.Combine(folder, "onnx", "embed_tokens.onnx"));
        _decoder = new InferenceSession(Path.Combine(folder, "onnx", "decoder_model_merged.onnx"));
    }

    public List<int> Greedy(int[] prompt, int padId, float[] features, long[][]? promptPositions, int steps, IReadOnlyCollection<int> endOfTurn)
    {
        var ids = new List<int>(prompt);
        var generated = new List<int>();
        for (int step = 0; step < steps; step++)
        {
            int next = ArgmaxOfLast(ids, padId, features, promptPositions);
            generated.Add(next);
            if (endOfTurn.Contains(next))
            {
                break;
            }

            ids.Add(next);
        }

        return generated;
    }

    public void Dispose()
    {
        _embed.Dispose();
        _decoder.Dispose();
    }

    private int ArgmaxOfLast(List<int> ids, int padId, float[] features, long[][]? promptPositions)
    {
        int n = ids.Count;
        using var embedded = _embed.Run([NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(ids.Select(i => (long)i).ToArray(), [1, n]))]);
        float[] embeds = [.. embedded[0].AsTensor<float>()];
        int hidden = embeds.Length / n;
        for (int i = 0, row = 0; i < n; i++)
        {
            if (ids[i] == padId)
            {
                Array.Copy(features, row++ * hidden, embeds, i * hidden, hidden);
            }
        }

        DenseTensor<long> positions = promptPositions is null
            ? new DenseTensor<long>(Enumerable.Range(0, n).Select(i => (long)i).ToArray(), [1, n])
            : new DenseTensor<long>(SequencePositions(promptPositions, n), [3, 1, n]);
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("inputs_embeds", new DenseTensor<float>(embeds, [1, n, hidden])),
            NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(Enumerable.Repeat(1L, n).ToArray(), [1, n])),
            NamedOnnxValue.CreateFromTensor("position_ids", positions),
        };
        foreach (string name in _decoder.InputMetadata.Keys.Where(k => k.StartsWith("past_key_values.", StringComparison.Ordinal)))
        {
            int[] dims = _decoder.InputMetadata[name].Dimensions;
            inputs.Add(NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>([1, dims[1], 0, dims[3]])));
        }

        using var outputs = _decoder.Run(inputs, ["logits"]);
        var logits = (DenseTensor<float>)outputs[0].AsTensor<float>();
        int vocabulary = logits.Dimensions[2];
        ReadOnlySpan<float> last = logits.Buffer.Span.Slice((n - 1) * vocabulary, vocabulary);
        int best = 0;
        for (int v = 1; v < vocabulary; v++)
        {
            if (last[v] > last[best])
            {
                best = v;
            }
        }

        return best;
    }

    private static long[] SequencePositions(long[][] prompt, int n)
    {
        long next = prompt.Max(row => row.Max()) + 1;
        return [.. prompt.SelectMany(row => row.Concat(Enumerable.Range(0, n - row.Length).Select(k => next + k)))];
    }
}
