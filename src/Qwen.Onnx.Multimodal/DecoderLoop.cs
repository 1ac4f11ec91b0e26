using System.Runtime.CompilerServices;
using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace Qwen.Onnx.Multimodal;

/// <summary>
/// One request's decoder state: embeds tokens, merges encoder features at prefill, feeds the decoder with its own
/// previous <c>present.*</c> outputs as <c>past_key_values.*</c> (kept as ONNX Runtime values, never copied), and
/// returns the last position's logits. Positions continue after the prompt as the last prompt position + 1 + k on
/// every row (the rope delta of M-RoPE prompts). Mask, position and token buffers are allocated once per request.
/// </summary>
internal sealed class DecoderLoop : IDisposable
{
    private readonly DecoderGraph _decoder;
    private readonly InferenceSession _embed;
    private readonly RunOptions _run;
    private readonly CancellationToken _cancellation;
    private readonly string[] _inputNames;
    private readonly string[] _embedOutput;
    private readonly long[] _ones;
    private readonly long[] _position = new long[3];
    private readonly long[] _token = new long[1];
    private readonly long[] _maskShape = [1, 0];
    private readonly long[] _stepPositionShape;
    private readonly List<OrtValue> _inputs = [];
    private readonly string[] _embedInput = ["input_ids"];
    private readonly OrtValue _tokenValue;
    private readonly OrtValue[] _tokenInput;
    private readonly OrtValue _stepPositions;
    private readonly OrtValue _stepEmbedding;
    private readonly OrtValue[] _stepEmbeddingOutput;
    private IDisposableReadOnlyCollection<OrtValue>? _previous;
    private float[] _logits = [];
    private long _ropeDelta;

    public DecoderLoop(DecoderGraph decoder, InferenceSession embed, RunOptions run, int contextLength, CancellationToken cancellation)
    {
        _decoder = decoder;
        _embed = embed;
        _run = run;
        _cancellation = cancellation;
        _inputNames = ["inputs_embeds", "attention_mask", "position_ids", .. decoder.PastNames];
        _embedOutput = [embed.OutputMetadata.Keys.First()];
        _ones = new long[contextLength + 1];
        Array.Fill(_ones, 1L);
        _stepPositionShape = decoder.ThreeRowPositions ? [3, 1, 1] : [1, 1];

        // The decode step's fixed-shape tensors live for the whole request: only their contents change per token.
        _tokenValue = OrtValue.CreateTensorValueFromMemory(_token, [1, 1]);
        _tokenInput = [_tokenValue];
        _stepPositions = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _position.AsMemory(0, decoder.ThreeRowPositions ? 3 : 1), _stepPositionShape);
        int hidden = embed.OutputMetadata.Values.First().Dimensions[^1];
        _stepEmbedding = decoder.HalfPrecision
            ? OrtValue.CreateTensorValueFromMemory(new Float16[hidden], [1, 1, hidden])
            : OrtValue.CreateTensorValueFromMemory(new float[hidden], [1, 1, hidden]);
        _stepEmbeddingOutput = [_stepEmbedding];
    }

    /// <summary>Tokens in the KV cache.</summary>
    public int Length { get; private set; }

    /// <summary>Time spent inside the decoder's and the embedding's Run calls.</summary>
    public TimeSpan RunTime { get; private set; }

    public Span<float> Prefill(PreparedPrompt prompt)
    {
        int s = prompt.Ids.Length;
        using IDisposableReadOnlyCollection<OrtValue> embedded = Embed([.. prompt.Ids.Select(i => (long)i)]);
        if (_decoder.HalfPrecision)
        {
            Span<Half> embeds = MemoryMarshal.Cast<Float16, Half>(embedded[0].GetTensorMutableDataAsSpan<Float16>());
            MergeFeatures(prompt.Ids, embeds, embeds.Length / s, prompt.ImageTokenId, prompt.ImageFeatures);
            MergeFeatures(prompt.Ids, embeds, embeds.Length / s, prompt.AudioTokenId, prompt.AudioFeatures);
        }
        else
        {
            Span<float> embeds = embedded[0].GetTensorMutableDataAsSpan<float>();
            MergeFeatures(prompt.Ids, embeds, embeds.Length / s, prompt.ImageTokenId, prompt.ImageFeatures);
            MergeFeatures(prompt.Ids, embeds, embeds.Length / s, prompt.AudioTokenId, prompt.AudioFeatures);
        }

        _ropeDelta = prompt.RopeDelta;
        long[] positionShape = _decoder.ThreeRowPositions ? [3, 1, s] : [1, s];
        using OrtValue mask = Ones(s);
        using OrtValue positions = OrtValue.CreateTensorValueFromMemory(prompt.Positions, positionShape);
        long[] emptyPast = [1, _decoder.KeyValueHeads, 0, _decoder.HeadSize];
        var pasts = _decoder.PastNames.Select(_ => _decoder.HalfPrecision
            ? OrtValue.CreateTensorValueFromMemory(Array.Empty<Float16>(), emptyPast)
            : OrtValue.CreateTensorValueFromMemory(Array.Empty<float>(), emptyPast)).ToList();
        try
        {
            _inputs.Clear();
            _inputs.Add(embedded[0]);
            _inputs.Add(mask);
            _inputs.Add(positions);
            _inputs.AddRange(pasts);
            Length = s;
            return Run(s);
        }
        finally
        {
            pasts.ForEach(p => p.Dispose());
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Span<float> Step(int token)
    {
        _token[0] = token;
        long started = Stopwatch.GetTimestamp();
        _embed.Run(_run, _embedInput, _tokenInput, _embedOutput, _stepEmbeddingOutput);
        RunTime += Stopwatch.GetElapsedTime(started);
        Array.Fill(_position, Length + _ropeDelta);
        using OrtValue mask = Ones(Length + 1);
        _inputs.Clear();
        _inputs.Add(_stepEmbedding);
        _inputs.Add(mask);
        _inputs.Add(_stepPositions);
        for (int i = 1; i < _previous!.Count; i++)
        {
            _inputs.Add(_previous[i]);
        }

        Length++;
        return Run(1);
    }

    public void Dispose()
    {
        _previous?.Dispose();
        _tokenValue.Dispose();
        _stepPositions.Dispose();
        _stepEmbedding.Dispose();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private OrtValue Ones(int length)
    {
        _maskShape[1] = length;
        return OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _ones.AsMemory(0, length), _maskShape);
    }

    private IDisposableReadOnlyCollection<OrtValue> Embed(long[] ids)
    {
        long started = Stopwatch.GetTimestamp();
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(ids, [1, ids.Length]);
        IDisposableReadOnlyCollection<OrtValue> result = _embed.Run(_run, _embedInput, [input], _embedOutput);
        RunTime += Stopwatch.GetElapsedTime(started);
        return result;
    }

    /// <summary>Runs the decoder on the prepared inputs and returns the logits of the last of its <paramref name="tokens"/> positions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Span<float> Run(int tokens)
    {
        long started = Stopwatch.GetTimestamp();
        IDisposableReadOnlyCollection<OrtValue> outputs;
        try
        {
            outputs = _decoder.Session.Run(_run, _inputNames, _inputs, _decoder.OutputNames);
        }
        catch (OnnxRuntimeException) when (_cancellation.IsCancellationRequested)
        {
            throw new OperationCanceledException(_cancellation);
        }

        RunTime += Stopwatch.GetElapsedTime(started);
        _previous?.Dispose();
        _previous = outputs;
        if (!_decoder.HalfPrecision)
        {
            Span<float> logits = outputs[0].GetTensorMutableDataAsSpan<float>();
            return logits[^(logits.Length / tokens)..];
        }

        // float16 logits are widened once per step into a buffer the sampler may modify.
        ReadOnlySpan<Half> half = MemoryMarshal.Cast<Float16, Half>(outputs[0].GetTensorDataAsSpan<Float16>());
        half = half[^(half.Length / tokens)..];
        if (_logits.Length != half.Length)
        {
            _logits = new float[half.Length];
        }

        TensorPrimitives.ConvertToSingle(half, _logits);
        return _logits;
    }

    private static void MergeFeatures(int[] ids, Span<Half> embeds, int hidden, int tokenId, float[] features)
    {
        var widened = new float[embeds.Length];
        TensorPrimitives.ConvertToSingle(embeds, widened);
        MergeFeatures(ids, widened, hidden, tokenId, features);
        TensorPrimitives.ConvertToHalf(widened, embeds);
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
