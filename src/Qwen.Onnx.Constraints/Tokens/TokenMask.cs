using System.Numerics;
using System.Runtime.CompilerServices;

namespace Qwen.Onnx.Constraints.Tokens;

/// <summary>
/// The tokens allowed in one automaton state. Few allowed tokens (inside a property name, a keyword, punctuation) are
/// kept as a list of ids; many (inside a string) as a bitset over the vocabulary, so thousands of cached states stay
/// small. Immutable once built, so requests read it without locking.
/// </summary>
internal sealed class TokenMask
{
    public const int ListLimit = 1024;

    private readonly ulong[]? _bits;
    private readonly int[]? _ids;

    /// <summary>The mask of the <paramref name="count"/> tokens set in <paramref name="bits"/>, which it reads and copies if it keeps them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public TokenMask(ulong[] bits, int count)
    {
        Count = count;
        if (count <= ListLimit)
        {
            _ids = new int[count];
            int n = 0;
            for (int w = 0; w < bits.Length; w++)
            {
                for (ulong word = bits[w]; word != 0; word &= word - 1)
                {
                    _ids[n++] = (w << 6) + BitOperations.TrailingZeroCount(word);
                }
            }
        }
        else
        {
            _bits = [.. bits];
        }
    }

    /// <summary>How many tokens are allowed.</summary>
    public int Count { get; }

    /// <summary>The only allowed token when <see cref="Count"/> is 1; otherwise -1.</summary>
    public int Single => Count == 1 ? _ids![0] : -1;

    /// <summary>Sets every forbidden logit to negative infinity. <paramref name="scratch"/> holds <see cref="ListLimit"/> floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Apply(Span<float> logits, Span<float> scratch)
    {
        if (_ids is { } ids)
        {
            for (int i = 0; i < ids.Length; i++)
            {
                scratch[i] = (uint)ids[i] < (uint)logits.Length ? logits[ids[i]] : float.NegativeInfinity;
            }

            logits.Fill(float.NegativeInfinity);
            for (int i = 0; i < ids.Length; i++)
            {
                if ((uint)ids[i] < (uint)logits.Length)
                {
                    logits[ids[i]] = scratch[i];
                }
            }

            return;
        }

        ulong[] bits = _bits!;
        int covered = Math.Min(logits.Length, bits.Length << 6);
        for (int w = 0; (w << 6) < covered; w++)
        {
            ulong word = bits[w];
            if (word == ulong.MaxValue)
            {
                continue;
            }

            Span<float> block = logits.Slice(w << 6, Math.Min(64, covered - (w << 6)));
            for (ulong forbidden = ~word; forbidden != 0; forbidden &= forbidden - 1)
            {
                int j = BitOperations.TrailingZeroCount(forbidden);
                if (j < block.Length)
                {
                    block[j] = float.NegativeInfinity;
                }
            }
        }

        logits[covered..].Fill(float.NegativeInfinity);
    }
}
