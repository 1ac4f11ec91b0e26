using Microsoft.ML.OnnxRuntime;

namespace Qwen.Onnx.Multimodal;

/// <summary>
/// One request's decoder state: embeds tokens, merges encoder features at prefill, feeds the decoder with its own
/// previous <c>present.*</c> outputs as <c>past_key_values.*</c> (kept as ONNX Runtime values, never copied), and
/// returns the last position's logits. Positions continue after the prompt as the last prompt position + 1 + k on
/// every row (the rope delta of M-RoPE prompts).
/// </summary>
internal sealed class DecoderLoop : IDisposable
{
    private readonly DecoderGraph _decoder;
    private readonly InferenceSession _embed;
    private readonly RunOptions _run;
    private readonly CancellationToken _cancellation;
    private IDisposableReadOnlyCollection<OrtValue>? _previous;
    private long _ropeDelta;

    public DecoderLoop(DecoderGraph decoder, InferenceSession embed, RunOptions run, CancellationToken cancellation)
    {
        _decoder = decoder;
        _embed = embed;
        _run = run;
        _cancellation = cancellation;
    }

    /// <summary>Tokens in the KV cache.</summary>
    public int Length { get; private set; }

    public Span<float> Prefill(PreparedPrompt prompt)
    {
        int s = prompt.Ids.Length;
        using IDisposableReadOnlyCollection<OrtValue> embedded = Embed([.. prompt.Ids.Select(i => (long)i)]);
        Span<float> embeds = embedded[0].GetTensorMutableDataAsSpan<float>();
        int hidden = embeds.Length / s;
        MergeFeatures(prompt.Ids, embeds, hidden, prompt.ImageTokenId, prompt.ImageFeatures);
        MergeFeatures(prompt.Ids, embeds, hidden, prompt.AudioTokenId, prompt.AudioFeatures);
        _ropeDelta = prompt.RopeDelta;
        long[] positionShape = _decoder.ThreeRowPositions ? [3, 1, s] : [1, s];
        var inputs = new List<OrtValue>
        {
            embedded[0],
            OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1L, s).ToArray(), [1, s]),
            OrtValue.CreateTensorValueFromMemory(prompt.Positions, positionShape),
        };
        try
        {
            long[] emptyPast = [1, _decoder.KeyValueHeads, 0, _decoder.HeadSize];
            foreach (string _ in _decoder.PastNames)
            {
                inputs.Add(OrtValue.CreateTensorValueFromMemory(Array.Empty<float>(), emptyPast));
            }

            Length = s;
            return Run(inputs);
        }
        finally
        {
            foreach (OrtValue value in inputs.Skip(1))
            {
                value.Dispose();
            }
        }
    }

    public Span<float> Step(int token)
    {
        using IDisposableReadOnlyCollection<OrtValue> embedded = Embed([token]);
        long position = Length + _ropeDelta;
        using OrtValue mask = OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1L, Length + 1).ToArray(), [1, Length + 1]);
        using OrtValue positions = _decoder.ThreeRowPositions
            ? OrtValue.CreateTensorValueFromMemory(new[] { position, position, position }, [3, 1, 1])
            : OrtValue.CreateTensorValueFromMemory(new[] { position }, [1, 1]);
        var inputs = new List<OrtValue> { embedded[0], mask, positions };
        inputs.AddRange(_previous!.Skip(1));
        Length++;
        return Run(inputs);
    }

    public void Dispose() => _previous?.Dispose();

    private IDisposableReadOnlyCollection<OrtValue> Embed(long[] ids)
    {
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(ids, [1, ids.Length]);
        return _embed.Run(_run, ["input_ids"], [input], [_embed.OutputMetadata.Keys.First()]);
    }

    private Span<float> Run(List<OrtValue> inputs)
    {
        IDisposableReadOnlyCollection<OrtValue> outputs;
        try
        {
            outputs = _decoder.Session.Run(_run, ["inputs_embeds", "attention_mask", "position_ids", .. _decoder.PastNames], inputs, _decoder.OutputNames);
        }
        catch (OnnxRuntimeException) when (_cancellation.IsCancellationRequested)
        {
            throw new OperationCanceledException(_cancellation);
        }

        _previous?.Dispose();
        _previous = outputs;
        Span<float> logits = outputs[0].GetTensorMutableDataAsSpan<float>();
        int vocabulary = (int)outputs[0].GetTensorTypeAndShape().Shape[^1];
        return logits[^vocabulary..];
    }

    private static void MergeFeatures(int[] ids, Span<float> embeds, int hidden, int tokenId, float[] features)
    {
        int rows = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            if (ids[i] == tokenId && tokenId >= 0)
            {
                if ((rows + 1) * hidden > features.Length)
                {
                    throw new InvalidOperationException($"The prompt has more placeholder tokens ({tokenId}) than the encoder returned feature rows ({features.Length / Math.Max(hidden, 1)}).");
                }

                features.AsSpan(rows * hidden, hidden).CopyTo(embeds.Slice(i * hidden, hidden));
                rows++;
            }
        }

        if (rows * hidden != features.Length)
        {
            throw new InvalidOperationException($"The encoder returned {features.Length / Math.Max(hidden, 1)} feature rows for {rows} placeholder tokens ({tokenId}); the export's hidden size or merge size does not match its config.");
        }
    }
}
