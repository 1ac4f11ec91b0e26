using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Qwen.Onnx.Multimodal.Caching;
using Qwen.Onnx.Runtime;
using Qwen.Onnx.Runtime.Direct;

namespace Qwen.Onnx.Multimodal;

/// <summary>
/// One request's decoder state: embeds tokens, merges encoder features at prefill, feeds the decoder with its own
/// previous <c>present.*</c> outputs as <c>past_key_values.*</c> (native tensors, never copied), and returns the last
/// position's logits. Positions continue after the prompt as the last prompt position + 1 + k on every row (the rope
/// delta of M-RoPE prompts). A decode step allocates no managed memory: the sessions run through
/// <see cref="DirectSession"/>, tensors are <see cref="NativeTensor"/> handles, and the token, position, mask and
/// embedding buffers live on the pinned heap for the whole request.
/// </summary>
internal sealed unsafe class DecoderLoop : IDisposable
{
    private readonly DecoderGraph _graph;
    private readonly RunOptions _run;
    private readonly CancellationToken _cancellation;
    private readonly long[] _ones;

    // The PromptKeys of every position in the KV cache, so the cache can serve the next request.
    private readonly long[] _keys;
    private readonly long[] _token = GC.AllocateArray<long>(1, pinned: true);
    private readonly long[] _position = GC.AllocateArray<long>(3, pinned: true);
    private readonly NativeTensor[] _inputs;
    private readonly NativeTensor[] _stepEmbedInput;
    private readonly NativeTensor[] _stepEmbedOutput;

    // One step's embedding, written by embed_tokens (float16 models use its first half).
    private readonly float[] _stepEmbedding;
    private NativeTensor[] _outputs;
    private NativeTensor[] _previous;
    private float[] _logits = [];
    private long _ropeDelta;

    public DecoderLoop(DecoderGraph graph, RunOptions run, int contextLength, CancellationToken cancellation)
    {
        _graph = graph;
        _run = run;
        _cancellation = cancellation;
        _ones = GC.AllocateArray<long>(contextLength + 1, pinned: true);
        Array.Fill(_ones, 1L);
        _keys = new long[contextLength + 1];
        _inputs = new NativeTensor[graph.DecoderInputs.Names.Count];
        _outputs = new NativeTensor[graph.DecoderOutputs.Names.Count];
        _previous = new NativeTensor[_outputs.Length];

        // The decode step's fixed-shape tensors live for the whole request: only their contents change per token.
        // A decoder on token ids takes the token tensor itself; otherwise embed_tokens writes the step embedding.
        long[] embeddingShape = [1, 1, graph.HiddenSize];
        _stepEmbedInput = [NativeTensor.Wrap(Pin(_token), 1, [1, 1])];
        _stepEmbedding = GC.AllocateArray<float>(graph.HiddenSize, pinned: true);
        _stepEmbedOutput = graph.TakesTokenIds ? [] : [graph.HalfPrecision
            ? NativeTensor.Wrap((Half*)Pin(_stepEmbedding), graph.HiddenSize, embeddingShape)
            : NativeTensor.Wrap(Pin(_stepEmbedding), graph.HiddenSize, embeddingShape)];
        _inputs[0] = graph.TakesTokenIds ? _stepEmbedInput[0] : _stepEmbedOutput[0];
        _inputs[2] = graph.ThreeRowPositions ? NativeTensor.Wrap(Pin(_position), 3, [3, 1, 1]) : NativeTensor.Wrap(Pin(_position), 1, [1, 1]);
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

        var inputs = new NativeTensor[_inputs.Length];
        NativeTensor embedded = default;
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

                inputs[0] = NativeTensor.Wrap(Pin(freshIds), fresh, [1, fresh]);
            }
            else
            {
                long started = Stopwatch.GetTimestamp();
                embedded = EmbedPrompt(prompt.Ids);
                EncoderFeatures.Merge(prompt, embedded, _graph.HiddenSize, _graph.HalfPrecision);
                PromptEmbedTime = Stopwatch.GetElapsedTime(started);
                inputs[0] = Rows(embedded, reused, fresh);
            }

            inputs[1] = NativeTensor.Wrap(Pin(_ones), s, [1, s]);
            inputs[2] = NativeTensor.Wrap(Pin(positions), positions.Length, rows == 3 ? [3, 1, fresh] : [1, fresh]);
            NativeTensor[] pasts = reused > 0 ? cached!.Take(reused, _graph.HalfPrecision) : EmptyPasts();
            pasts.CopyTo(inputs, 3);
            _ropeDelta = prompt.RopeDelta;
            Length = s;
            ReusedTokens = reused;
            return Decode(inputs, fresh);
        }
        catch (OnnxRuntimeCallException) when (_cancellation.IsCancellationRequested)
        {
            throw new OperationCanceledException(_cancellation);
        }
        finally
        {
            ReleaseAll(inputs);
            embedded.Release();
            GC.KeepAlive(positions);
            GC.KeepAlive(freshIds);
        }
    }

    /// <summary>Hands this request's KV cache and its keys over, for the next request to reuse.</summary>
    public CachedPrefix DetachCache()
    {
        NativeTensor[] pasts = _previous[1..];
        _previous.AsSpan(1).Clear();
        return new CachedPrefix(_keys[..Length], pasts);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Span<float> Step(int token)
    {
        EnsureContext(Length + 1);
        _token[0] = token;
        _keys[Length] = token;
        Array.Fill(_position, Length + _ropeDelta);
        _previous.AsSpan(1).CopyTo(_inputs.AsSpan(3));
        Span<long> maskShape = [1, Length + 1];
        _inputs[1] = NativeTensor.Wrap(Pin(_ones), Length + 1, maskShape);
        try
        {
            if (_graph.Embed is { } embed)
            {
                long started = Stopwatch.GetTimestamp();
                embed.Run(_run, _graph.EmbedInputs!, _stepEmbedInput, _graph.EmbedOutputs!, _stepEmbedOutput);
                RunTime += Stopwatch.GetElapsedTime(started);
            }

            Length++;
            return Decode(_inputs, 1);
        }
        catch (OnnxRuntimeCallException) when (_cancellation.IsCancellationRequested)
        {
            throw new OperationCanceledException(_cancellation);
        }
        finally
        {
            _inputs[1].Release();
        }
    }

    public void Dispose()
    {
        ReleaseAll(_previous);
        _stepEmbedInput[0].Release();
        ReleaseAll(_stepEmbedOutput);
        _inputs[2].Release();
    }

    /// <summary>The mask is a view of the ones buffer, which holds the context length; the engine stops before it.</summary>
    private void EnsureContext(int tokens)
    {
        if (tokens > _ones.Length)
        {
            throw new InvalidOperationException($"{tokens} tokens exceed the context of {_ones.Length - 1} this request was started with.");
        }
    }

    private static T* Pin<T>(T[] pinnedArray)
        where T : unmanaged => (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinnedArray));

    private static void ReleaseAll(Span<NativeTensor> tensors)
    {
        foreach (ref NativeTensor t in tensors)
        {
            t.Release();
            t = default;
        }
    }

    /// <summary>Runs the decoder and returns the logits of the last of its <paramref name="tokens"/> positions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Span<float> Decode(NativeTensor[] inputs, int tokens)
    {
        long started = Stopwatch.GetTimestamp();
        _graph.Decoder.Run(_run, _graph.DecoderInputs, inputs, _graph.DecoderOutputs, _outputs);
        RunTime += Stopwatch.GetElapsedTime(started);

        // This step's present.* become the next step's past; the previous step's tensors are no longer needed.
        ReleaseAll(_previous);
        (_previous, _outputs) = (_outputs, _previous);
        if (!_graph.HalfPrecision)
        {
            Span<float> logits = _previous[0].GetData<float>();
            return logits[^(logits.Length / tokens)..];
        }

        // float16 logits are widened once per step into a buffer the sampler may modify.
        ReadOnlySpan<Half> half = _previous[0].GetData<Half>();
        half = half[^(half.Length / tokens)..];
        if (_logits.Length != half.Length)
        {
            _logits = new float[half.Length];
        }

        TensorPrimitives.ConvertToSingle(half, _logits);
        return _logits;
    }

    /// <summary>A view of <paramref name="count"/> embedding rows from <paramref name="first"/> on (no copy).</summary>
    private NativeTensor Rows(NativeTensor embedded, int first, int count)
    {
        int hidden = _graph.HiddenSize;
        long[] shape = [1, count, hidden];
        return _graph.HalfPrecision
            ? NativeTensor.Wrap((Half*)Unsafe.AsPointer(ref embedded.GetData<Half>()[first * hidden]), count * hidden, shape)
            : NativeTensor.Wrap((float*)Unsafe.AsPointer(ref embedded.GetData<float>()[first * hidden]), count * hidden, shape);
    }

    private NativeTensor[] EmptyPasts()
    {
        long[] emptyPast = [1, _graph.KeyValueHeads, 0, _graph.HeadSize];
        return [.. Enumerable.Range(0, _inputs.Length - 3).Select(_ => _graph.HalfPrecision
            ? NativeTensor.Wrap((Half*)Pin(_ones), 0, emptyPast)
            : NativeTensor.Wrap((float*)Pin(_ones), 0, emptyPast))];
    }

    private NativeTensor EmbedPrompt(int[] ids)
    {
        long[] pinned = GC.AllocateArray<long>(ids.Length, pinned: true);
        for (int i = 0; i < ids.Length; i++)
        {
            pinned[i] = ids[i];
        }

        Span<NativeTensor> input = [NativeTensor.Wrap(Pin(pinned), ids.Length, [1, ids.Length])];
        Span<NativeTensor> output = [default];
        try
        {
            _graph.Embed!.Run(_run, _graph.EmbedInputs!, input, _graph.EmbedOutputs!, output);
        }
        finally
        {
            input[0].Release();
            GC.KeepAlive(pinned);
        }

        return output[0];
    }
}
