using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Qwen.Onnx.Multimodal.Sampling;

/// <summary>
/// Picks the next token from logits with the options of the GenAI text engine: greedy (arg max) unless sampling is
/// on; then repetition penalty (divide positive, multiply negative logits of seen tokens), temperature, top-k (50 by
/// default, as GenAI), top-p, and a draw from a seeded generator. One per request; reuses its buffers.
/// </summary>
internal sealed class TokenSampler
{
    private readonly GenerationOptions _options;
    private readonly Random _random;
    private readonly HashSet<int> _seen = [];
    private int[] _order = [];
    private float[] _probabilities = [];

    public TokenSampler(GenerationOptions options, IEnumerable<int> prompt)
    {
        _options = options;
        _random = options.Seed is int seed ? new Random(seed) : Random.Shared;
        if (options.RepetitionPenalty is not null)
        {
            _seen.UnionWith(prompt);
        }
    }

    /// <summary>Time spent choosing tokens so far.</summary>
    public TimeSpan Time { get; private set; }

    /// <summary>Chooses a token and remembers it for the repetition penalty. May modify <paramref name="logits"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Next(Span<float> logits)
    {
        long started = Stopwatch.GetTimestamp();
        if (_options.RepetitionPenalty is float penalty && penalty != 1f)
        {
            foreach (int id in _seen)
            {
                if ((uint)id < (uint)logits.Length)
                {
                    logits[id] = logits[id] > 0 ? logits[id] / penalty : logits[id] * penalty;
                }
            }
        }

        int token = _options.IsSampling ? Sample(logits) : ArgMax(logits);
        if (_options.RepetitionPenalty is not null)
        {
            _seen.Add(token);
        }

        Time += Stopwatch.GetElapsedTime(started);
        return token;
    }

    /// <summary>Remembers a token chosen without sampling (forced by a constraint) for the repetition penalty.</summary>
    public int Observe(int token)
    {
        if (_options.RepetitionPenalty is not null)
        {
            _seen.Add(token);
        }

        return token;
    }

    /// <summary>
    /// The first index of the largest logit. Four independent lane-wise (best value, best index) accumulators keep
    /// the compare-and-select chains from waiting on each other; ties resolve to the smallest index when the lanes
    /// are merged. On the 152k-entry vocabulary this halved the engine's greedy step (45 to 24 µs per token, `bench`
    /// stage sample); a variant with the accumulators in registers measured faster in isolation but slower in the
    /// engine, where the logits arrive cold from ONNX Runtime's threads.
    /// </summary>
    internal static int ArgMax(ReadOnlySpan<float> logits)
    {
        const int Width = 8;
        int i = 0, best = 0;
        if (Vector256.IsHardwareAccelerated && logits.Length >= 4 * Width)
        {
            Span<Vector256<float>> values = stackalloc Vector256<float>[4];
            Span<Vector256<int>> indices = stackalloc Vector256<int>[4];
            values.Fill(Vector256.Create(float.NegativeInfinity));
            indices.Clear();
            var index = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
            var step = Vector256.Create(Width);
            ref float start = ref MemoryMarshal.GetReference(logits);
            for (; i + (4 * Width) <= logits.Length; i += 4 * Width)
            {
                for (int a = 0; a < 4; a++)
                {
                    var candidate = Vector256.LoadUnsafe(ref start, (nuint)(i + (a * Width)));
                    Vector256<float> greater = Vector256.GreaterThan(candidate, values[a]);
                    values[a] = Vector256.ConditionalSelect(greater, candidate, values[a]);
                    indices[a] = Vector256.ConditionalSelect(greater.AsInt32(), index, indices[a]);
                    index += step;
                }
            }

            float max = float.NegativeInfinity;
            best = int.MaxValue;
            for (int a = 0; a < 4; a++)
            {
                for (int lane = 0; lane < Width; lane++)
                {
                    (float value, int at) = (values[a][lane], indices[a][lane]);
                    if (value > max || (value == max && at < best))
                    {
                        (max, best) = (value, at);
                    }
                }
            }
        }

        for (; i < logits.Length; i++)
        {
            if (logits[i] > logits[best])
            {
                best = i;
            }
        }

        return best;
    }

    private int Sample(ReadOnlySpan<float> logits)
    {
        int k = Math.Min(_options.TopK ?? GenerationOptions.DefaultTopK, logits.Length);
        float temperature = _options.Temperature ?? 1f;
        if (_order.Length < k)
        {
            _order = new int[k];
            _probabilities = new float[k];
        }

        // The k largest logits, best first (k is small, so a partial insertion sort beats sorting the vocabulary).
        int filled = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            if (filled == k && logits[i] <= logits[_order[k - 1]])
            {
                continue;
            }

            int at = filled < k ? filled++ : k - 1;
            while (at > 0 && logits[_order[at - 1]] < logits[i])
            {
                _order[at] = _order[at - 1];
                at--;
            }

            _order[at] = i;
        }

        float max = logits[_order[0]];
        double total = 0;
        for (int i = 0; i < k; i++)
        {
            _probabilities[i] = MathF.Exp((logits[_order[i]] - max) / temperature);
            total += _probabilities[i];
        }

        // Top-p keeps the smallest prefix whose probability reaches p.
        double p = _options.TopP ?? 1.0, kept = 0;
        int count = 0;
        while (count < k && (count == 0 || kept / total < p))
        {
            kept += _probabilities[count++];
        }

        double draw = _random.NextDouble() * kept;
        for (int i = 0; i < count; i++)
        {
            draw -= _probabilities[i];
            if (draw <= 0)
            {
                return _order[i];
            }
        }

        return _order[count - 1];
    }
}
