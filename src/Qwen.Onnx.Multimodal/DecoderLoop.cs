using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Qwen.Onnx.Multimodal.Caching;
using Qwen.Onnx.Runtime.Direct;

namespace Qwen.Onnx.Multimodal;

/// <summary>
/// One request's decoder state: its prefill (embeds the prompt, merges encoder features, runs the decoder on what a
/// cached prefix does not cover, in chunks when others are decoding meanwhile) and, from then on, what the shared
/// <see cref="Batching.DecodeBatch"/> needs to step it: its length, rope delta and the <see cref="PromptKeys"/> of
/// every position, kept so its KV cache can serve the next request. Positions continue after the prompt as the last
/// prompt position + 1 + k on every row (the rope delta of M-RoPE prompts). During prefill every native tensor has
/// one owner here: <c>_past</c> (the last run's logits and KV cache) and <c>_present</c> (the run in flight); after it
/// the KV cache moves to the batch (<see cref="TakeCache"/>).
/// </summary>
internal sealed unsafe class DecoderLoop : IDisposable
{
    private readonly DecoderGraph _graph;
    private readonly CancellableRun _run;
    // The attention mask of every prefill run is a view of this engine-wide, read-only array of ones (pinned, context + 1 long).
    private readonly long[] _ones;

    // The PromptKeys of every position in the KV cache, so the cache can serve the next request (rented: context-sized).
    private readonly long[] _keys;
    private OwnedTensors _present;
    private OwnedTensors _past;
    private float[] _logits = [];

    /// <summary>A request's loop.</summary>
    /// <param name="graph">The engine's graphs.</param>
    /// <param name="run">The request's cancellable run options (its prefill runs; decode steps are shared).</param>
    /// <param name="ones">The engine's pinned array of context length + 1 ones (see <see cref="MaskOfOnes"/>); never written.</param>
    public DecoderLoop(DecoderGraph graph, CancellableRun run, long[] ones)
    {
        _graph = graph;
        _run = run;
        _ones = ones;
        _keys = ArrayPool<long>.Shared.Rent(ones.Length);
        _present = new OwnedTensors(graph.DecoderOutputs.Names.Count);
        _past = new OwnedTensors(_present.Count);
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

    /// <summary>Largest prompt position + 1 − prompt length: a decode position is <see cref="Length"/> + this.</summary>
    public long RopeDelta { get; private set; }

    /// <summary>Time spent inside Run calls after the prompt was embedded: the prefill and every decode step it took part in.</summary>
    public TimeSpan RunTime { get; private set; }

    /// <summary>Time spent embedding the prompt and merging the encoder features into it.</summary>
    public TimeSpan PromptEmbedTime { get; private set; }

    /// <summary>Prompt positions whose KV cache came from <see cref="Prefill"/>'s cached prefix instead of the decoder.</summary>
    public int ReusedTokens { get; private set; }

    /// <summary>
    /// Runs the prompt and returns its last position's logits. When <paramref name="cached"/> shares leading positions
    /// with it, their KV cache is reused and only the rest is run (at least the last position, whose logits are
    /// needed); the cache is consumed either way. The rest runs in chunks of at most <paramref name="chunkTokens"/>
    /// positions, with <paramref name="betweenChunks"/> called after each chunk but the last (the scheduler's decode
    /// step for the requests already running, so a long prompt stalls them for one chunk at a time).
    /// </summary>
    public Span<float> Prefill(PreparedPrompt prompt, CachedPrefix? cached = null, int chunkTokens = int.MaxValue, Action? betweenChunks = null)
    {
        using CachedPrefix? consumed = cached;
        int s = prompt.Ids.Length;
        EnsureContext(s);
        prompt.Keys.CopyTo(_keys, 0);
        int reused = cached is null ? 0 : Math.Min(cached.CommonPrefix(prompt.Keys), s - 1);

        // Owners of this run's inputs; the views in `inputs` are only borrowed from them.
        using var embedded = new OwnedTensors(1);
        using OwnedTensors pasts = reused > 0 ? cached!.Take(reused, _graph.HalfPrecision) : EmptyPasts();
        if (!_graph.TakesTokenIds)
        {
            long started = Stopwatch.GetTimestamp();
            EmbedPrompt(prompt.Ids.AsSpan(reused), embedded);
            EncoderFeatures.Merge(prompt, embedded[0], reused, _graph.HiddenSize, _graph.HalfPrecision, _graph.Folder);
            PromptEmbedTime = Stopwatch.GetElapsedTime(started);
        }

        RopeDelta = prompt.RopeDelta;
        ReusedTokens = reused;
        var inputs = new NativeTensor[_graph.DecoderInputs.Names.Count];
        pasts.Tensors.CopyTo(inputs.AsSpan(3));
        for (int first = reused; ; first += chunkTokens)
        {
            int count = Math.Min(chunkTokens, s - first);
            Span<float> logits = RunChunk(prompt, embedded, reused, first, count, inputs);
            Length = first + count;
            if (Length == s)
            {
                return logits;
            }

            // The next chunk's past is this chunk's present (the run swapped them).
            _past.Tensors[1..].CopyTo(inputs.AsSpan(3));
            betweenChunks?.Invoke();
        }
    }

    /// <summary>Moves the KV cache out (one [1, heads, <see cref="Length"/>, head size] tensor per past input, in input order) and releases the prefill's logits.</summary>
    public OwnedTensors TakeCache()
    {
        var pasts = new OwnedTensors(_past.Count - 1);
        for (int i = 0; i < pasts.Count; i++)
        {
            _past.MoveTo(i + 1, pasts, i);
        }

        _past.ReleaseAll();
        return pasts;
    }

    /// <summary>Records a decoded token that a shared step appended to the KV cache.</summary>
    public void Advance(int token, TimeSpan runTime)
    {
        _keys[Length] = token;
        Length++;
        RunTime += runTime;
    }

    /// <summary>Hands this request's KV cache (<paramref name="pasts"/>, taken over) and its keys over, for the next request to reuse.</summary>
    public CachedPrefix DetachCache(OwnedTensors pasts) => new(_keys[..Length], pasts);

    public void Dispose()
    {
        _past.Dispose();
        _present.Dispose();
        ArrayPool<long>.Shared.Return(_keys);
    }

    /// <summary>Throws when <paramref name="tokens"/> exceed the context: masks are views of the ones buffer, which holds the context length; the engine stops before it.</summary>
    public void EnsureContext(int tokens)
    {
        if (tokens > _ones.Length)
        {
            throw new InvalidOperationException($"{tokens} tokens exceed the context of {_ones.Length - 1} this model was loaded with.");
        }
    }

    private static T* Pin<T>(T[] pinnedArray)
        where T : unmanaged => (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinnedArray));

    /// <summary>Runs prompt positions [<paramref name="first"/>, + <paramref name="count"/>) on the past already in <paramref name="inputs"/>.</summary>
    private Span<float> RunChunk(PreparedPrompt prompt, OwnedTensors embedded, int reused, int first, int count, NativeTensor[] inputs)
    {
        int s = prompt.Ids.Length, rows = prompt.Positions.Length / s, end = first + count;
        long[] positions = GC.AllocateArray<long>(rows * count, pinned: true);
        for (int r = 0; r < rows; r++)
        {
            prompt.Positions.AsSpan((r * s) + first, count).CopyTo(positions.AsSpan(r * count));
        }

        using var own = new OwnedTensors(3);
        long[]? ids = null;
        try
        {
            if (_graph.TakesTokenIds)
            {
                ids = GC.AllocateArray<long>(count, pinned: true);
                for (int i = 0; i < count; i++)
                {
                    ids[i] = prompt.Ids[first + i];
                }

                own.Wrap(0, Pin(ids), count, [1, count]);
            }
            else
            {
                Rows(embedded[0], first - reused, count, own);
            }

            own.Wrap(1, Pin(_ones), end, [1, end]);
            own.Wrap(2, Pin(positions), positions.Length, rows == 3 ? [3, 1, count] : [1, count]);
            own.Tensors.CopyTo(inputs);
            long started = Stopwatch.GetTimestamp();
            _run.Run(_graph.Decoder, _graph.DecoderInputs, inputs, _graph.DecoderOutputs, _present);
            RunTime += Stopwatch.GetElapsedTime(started);

            // This run's present.* become the next run's past; the previous run's tensors are no longer needed.
            (_past, _present) = (_present, _past);
            _present.ReleaseAll();
            if (_graph.HalfPrecision && _logits.Length == 0)
            {
                _logits = new float[_graph.VocabularyOf(_past[0], count)];
            }

            return DecoderGraph.Logits(_past[0], count - 1, count, _logits);
        }
        finally
        {
            GC.KeepAlive(positions);
            GC.KeepAlive(ids);
        }
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
        var pasts = new OwnedTensors(_graph.PastNames.Length);
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
