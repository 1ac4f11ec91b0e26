using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Qwen.Onnx.Multimodal.Caching;
using Qwen.Onnx.Runtime.Direct;

namespace Qwen.Onnx.Multimodal;

/// <summary>
/// One request's decoder state: embeds tokens, merges encoder features at prefill, feeds the decoder with its own
/// previous <c>present.*</c> outputs as <c>past_key_values.*</c> (native tensors, never copied), and returns the last
/// position's logits. Positions continue after the prompt as the last prompt position + 1 + k on every row (the rope
/// delta of M-RoPE prompts). A decode step allocates no managed memory: the sessions run through
/// <see cref="DirectSession"/>, and the token, position, mask and embedding buffers live on the pinned heap for the
/// whole request. Every native tensor has one owner here: <c>_fixed</c> and <c>_stepEmbedding</c> (the step's
/// inputs), <c>_past</c> (the last run's logits and KV cache) and <c>_present</c> (the run in flight); the arrays of
/// run inputs only borrow views of them.
/// </summary>
internal sealed unsafe class DecoderLoop : IDisposable
{
    private const int TokenSlot = 0, PositionSlot = 1, MaskSlot = 2;

    private readonly DecoderGraph _graph;
    private readonly CancellableRun _run;
    // The attention mask of every run is a view of this engine-wide, read-only array of ones (pinned, context + 1 long).
    private readonly long[] _ones;

    // The PromptKeys of every position in the KV cache, so the cache can serve the next request (rented: context-sized).
    private readonly long[] _keys;
    private readonly long[] _token = GC.AllocateArray<long>(1, pinned: true);
    private readonly long[] _position = GC.AllocateArray<long>(3, pinned: true);

    // One step's embedding, written in place by embed_tokens (float16 models use its first half).
    private readonly float[] _stepEmbedding = [];
    private readonly OwnedTensors _fixed = new(3);
    private readonly OwnedTensors _stepEmbeddingTensor = new(1);
    private readonly NativeTensor[] _inputs;
    private OwnedTensors _present;
    private OwnedTensors _past;
    private float[] _logits = [];
    private long _ropeDelta;

    /// <summary>A request's loop.</summary>
    /// <param name="graph">The engine's graphs.</param>
    /// <param name="run">The request's cancellable run options.</param>
    /// <param name="ones">The engine's pinned array of context length + 1 ones (see <see cref="MaskOfOnes"/>); never written.</param>
    public DecoderLoop(DecoderGraph graph, CancellableRun run, long[] ones)
    {
        _graph = graph;
        _run = run;
        _ones = ones;
        _keys = ArrayPool<long>.Shared.Rent(ones.Length);
        _inputs = new NativeTensor[graph.DecoderInputs.Names.Count];
        _present = new OwnedTensors(graph.DecoderOutputs.Names.Count);
        _past = new OwnedTensors(_present.Count);

        // The decode step's fixed-shape tensors live for the whole request: only their contents change per token.
        // A decoder on token ids takes the token tensor itself; otherwise embed_tokens writes the step embedding.
        _fixed.Wrap(TokenSlot, Pin(_token), 1, [1, 1]);
        _fixed.Wrap(PositionSlot, Pin(_position), graph.ThreeRowPositions ? 3 : 1, graph.ThreeRowPositions ? [3, 1, 1] : [1, 1]);
        if (!graph.TakesTokenIds)
        {
            long[] embeddingShape = [1, 1, graph.HiddenSize];
            _stepEmbedding = GC.AllocateArray<float>(graph.HiddenSize, pinned: true);
            if (graph.HalfPrecision)
            {
                _stepEmbeddingTensor.Wrap(0, (Half*)Pin(_stepEmbedding), graph.HiddenSize, embeddingShape);
            }
            else
            {
                _stepEmbeddingTensor.Wrap(0, Pin(_stepEmbedding), graph.HiddenSize, embeddingShape);
            }
        }
    }

    /// <summary>The attention-mask source an engine allocates once and every request of it shares.</summary>
    /// <param name="contextLength">The model's context length.</param>
    public static long[] MaskOfOnes(int contextLength)
    {
        long[] ones = GC.AllocateArray<long>(contextLength + 1, pinned: true);
        Array.Fill(ones, 1L);
        return ones;
    }

    /// <summary>Tokens in the KV cache.</summary>
    public int Length { get; private set; }

    /// <summary>Time spent inside Run calls after the prompt was embedded: the prefill and every decode step.</summary>
    public TimeSpan RunTime { get; private set; }

    /// <summary>Time spent embedding the prompt and merging the encoder features into it.</summary>
    public TimeSpan PromptEmbedTime { get; private set; }

    /// <summary>Prompt positions whose KV cache came from <see cref="Prefill"/>'s cached prefix instead of the decoder.</summary>
    public int ReusedTokens { get; private set; }

    /// <summary>
    /// Runs the prompt. When <paramref name="cached"/> shares leading positions with it, their KV cache is reused and
    /// only the rest is run (at least the last position, whose logits are needed); the cache is consumed either way.
    /// </summary>
    public Span<float> Prefill(PreparedPrompt prompt, CachedPrefix? cached = null)
    {
        using CachedPrefix? consumed = cached;
        int s = prompt.Ids.Length;
        EnsureContext(s);
        prompt.Keys.CopyTo(_keys, 0);
        int reused = cached is null ? 0 : Math.Min(cached.CommonPrefix(prompt.Keys), s - 1);
        int rows = prompt.Positions.Length / s, fresh = s - reused;
        long[] positions = GC.AllocateArray<long>(rows * fresh, pinned: true);
        for (int r = 0; r < rows; r++)
        {
            prompt.Positions.AsSpan((r * s) + reused, fresh).CopyTo(positions.AsSpan(r * fresh));
        }

        // Owners of this run's inputs; the views in `inputs` are only borrowed from them.
        using var own = new OwnedTensors(3);
        using var embedded = new OwnedTensors(1);
        using OwnedTensors pasts = reused > 0 ? cached!.Take(reused, _graph.HalfPrecision) : EmptyPasts();
        long[]? freshIds = null;
        try
        {
            if (_graph.TakesTokenIds)
            {
                freshIds = GC.AllocateArray<long>(fresh, pinned: true);
                for (int i = 0; i < fresh; i++)
                {
                    freshIds[i] = prompt.Ids[reused + i];
                }

                own.Wrap(0, Pin(freshIds), fresh, [1, fresh]);
            }
            else
            {
                long started = Stopwatch.GetTimestamp();
                EmbedPrompt(prompt.Ids.AsSpan(reused), embedded);
                EncoderFeatures.Merge(prompt, embedded[0], reused, _graph.HiddenSize, _graph.HalfPrecision, _graph.Folder);
                PromptEmbedTime = Stopwatch.GetElapsedTime(started);
                Rows(embedded[0], 0, fresh, own);
            }

            own.Wrap(1, Pin(_ones), s, [1, s]);
            own.Wrap(2, Pin(positions), positions.Length, rows == 3 ? [3, 1, fresh] : [1, fresh]);
            var inputs = new NativeTensor[_inputs.Length];
            own.Tensors.CopyTo(inputs);
            pasts.Tensors.CopyTo(inputs.AsSpan(3));
            _ropeDelta = prompt.RopeDelta;
            Length = s;
            ReusedTokens = reused;
            return Decode(inputs, fresh);
        }
        finally
        {
            GC.KeepAlive(positions);
            GC.KeepAlive(freshIds);
        }
    }

    /// <summary>Hands this request's KV cache and its keys over, for the next request to reuse.</summary>
    public CachedPrefix DetachCache()
    {
        var pasts = new OwnedTensors(_past.Count - 1);
        for (int i = 0; i < pasts.Count; i++)
        {
            _past.MoveTo(i + 1, pasts, i);
        }

        return new CachedPrefix(_keys[..Length], pasts);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Span<float> Step(int token)
    {
        EnsureContext(Length + 1);
        _token[0] = token;
        _keys[Length] = token;
        Array.Fill(_position, Length + _ropeDelta);
        _fixed.Wrap(MaskSlot, Pin(_ones), Length + 1, [1, Length + 1]);
        if (_graph.Embed is { } embed)
        {
            long started = Stopwatch.GetTimestamp();
            _run.Run(embed, _graph.EmbedInputs!, _fixed.Tensors[..1], _graph.EmbedOutputs!, _stepEmbeddingTensor);
            RunTime += Stopwatch.GetElapsedTime(started);
        }

        _inputs[0] = _graph.TakesTokenIds ? _fixed[TokenSlot] : _stepEmbeddingTensor[0];
        _inputs[1] = _fixed[MaskSlot];
        _inputs[2] = _fixed[PositionSlot];
        _past.Tensors[1..].CopyTo(_inputs.AsSpan(3));
        Length++;
        return Decode(_inputs, 1);
    }

    public void Dispose()
    {
        _past.Dispose();
        _present.Dispose();
        _fixed.Dispose();
        _stepEmbeddingTensor.Dispose();
        ArrayPool<long>.Shared.Return(_keys);
    }

    /// <summary>The mask is a view of the ones buffer, which holds the context length; the engine stops before it.</summary>
    private void EnsureContext(int tokens)
    {
        if (tokens > _ones.Length)
        {
            throw new InvalidOperationException($"{tokens} tokens exceed the context of {_ones.Length - 1} this model was loaded with.");
        }
    }

    private static T* Pin<T>(T[] pinnedArray)
        where T : unmanaged => (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinnedArray));

    /// <summary>Runs the decoder and returns the logits of the last of its <paramref name="tokens"/> positions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Span<float> Decode(NativeTensor[] inputs, int tokens)
    {
        long started = Stopwatch.GetTimestamp();
        _run.Run(_graph.Decoder, _graph.DecoderInputs, inputs, _graph.DecoderOutputs, _present);
        RunTime += Stopwatch.GetElapsedTime(started);

        // This run's present.* become the next run's past; the previous run's tensors are no longer needed.
        (_past, _present) = (_present, _past);
        _present.ReleaseAll();
        if (!_graph.HalfPrecision)
        {
            // A view into the native logits, valid until the next run replaces _past.
            Span<float> logits = _past[0].GetData<float>();
            return logits[^(logits.Length / tokens)..];
        }

        // float16 logits are widened once per step into a buffer the sampler may modify.
        int vocabulary = _past[0].GetData<Half>().Length / tokens;
        if (_logits.Length != vocabulary)
        {
            _logits = new float[vocabulary];
        }

        _past[0].CopyAsSingle((tokens - 1) * vocabulary, _logits);
        return _logits;
    }

    /// <summary>A view of <paramref name="count"/> embedding rows from <paramref name="first"/> on (no copy), held in slot 0 of <paramref name="owner"/>.</summary>
    private void Rows(NativeTensor embedded, int first, int count, OwnedTensors owner)
    {
        int hidden = _graph.HiddenSize;
        long[] shape = [1, count, hidden];
        if (_graph.HalfPrecision)
        {
            owner.Wrap(0, (Half*)Unsafe.AsPointer(ref embedded.GetData<Half>()[first * hidden]), count * hidden, shape);
        }
        else
        {
            owner.Wrap(0, (float*)Unsafe.AsPointer(ref embedded.GetData<float>()[first * hidden]), count * hidden, shape);
        }
    }

    private OwnedTensors EmptyPasts()
    {
        long[] emptyPast = [1, _graph.KeyValueHeads, 0, _graph.HeadSize];
        var pasts = new OwnedTensors(_inputs.Length - 3);
        for (int i = 0; i < pasts.Count; i++)
        {
            if (_graph.HalfPrecision)
            {
                pasts.Wrap(i, (Half*)Pin(_ones), 0, emptyPast);
            }
            else
            {
                pasts.Wrap(i, (float*)Pin(_ones), 0, emptyPast);
            }
        }

        return pasts;
    }

    private void EmbedPrompt(ReadOnlySpan<int> ids, OwnedTensors output)
    {
        long[] pinned = GC.AllocateArray<long>(ids.Length, pinned: true);
        for (int i = 0; i < ids.Length; i++)
        {
            pinned[i] = ids[i];
        }

        using var input = new OwnedTensors(1);
        input.Wrap(0, Pin(pinned), ids.Length, [1, ids.Length]);
        _run.Run(_graph.Embed!, _graph.EmbedInputs!, input.Tensors, _graph.EmbedOutputs!, output);
        GC.KeepAlive(pinned);
    }
}
