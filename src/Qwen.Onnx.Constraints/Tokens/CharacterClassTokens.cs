using System.Runtime.CompilerServices;
using Qwen.Onnx.Constraints.Automata;
using Qwen.Onnx.Constraints.Languages;

namespace Qwen.Onnx.Constraints.Tokens;

/// <summary>
/// A vocabulary read through one character class (the raw characters of a JSON string, or text without '&lt;'): every
/// token splits into its longest prefix of complete class characters, c of them, and the rest. Tokens without a rest
/// (most of the vocabulary) are kept as cumulative bitsets by c; the others as one small trie of rests per c. Tokens of
/// more than <see cref="MaxCount"/> class characters (runs of spaces or dashes, long words) are kept as one trie of
/// what follows their first <see cref="MaxCount"/>. Tokens whose first byte starts no class character at all (for
/// letters and digits, most of the vocabulary: every token starting with a space) are no trie of their own but whole
/// subtrees of the vocabulary's trie. Built once per vocabulary and class and shared by every grammar,
/// so that a state treating all class characters alike gets its mask from a bitset copy and walks of a few thousand
/// tokens' ends (<see cref="ClassRuns"/>) instead of a walk of the whole vocabulary.
/// </summary>
internal sealed class CharacterClassTokens
{
    /// <summary>
    /// How many characters a run is followed for: most tokens are shorter, and a longer run would cost a grammar
    /// state per character (a long maximum length) for the few tokens past it.
    /// </summary>
    public const int MaxCount = 8;

    private readonly ulong[][] _pureUpTo;
    private readonly TokenTrie?[] _rests;
    private readonly TokenTrie _all;
    private readonly List<(int Start, int End)> _outside = [];

    /// <summary>Reads the vocabulary's <paramref name="entries"/> (the ones of <paramref name="all"/>, its trie) through a class.</summary>
    public CharacterClassTokens(CodePointSet characters, List<(byte[] Bytes, int Id)> entries, TokenTrie all)
    {
        Character = Complete(new LazyDfa(Nfa.Build(Language.Chars(characters))));
        _all = all;
        int vocabularySize = all.VocabularySize;
        FindOutside();
        var pure = new List<(int Count, int Id)>();
        var rests = new List<(byte[] Bytes, int Id)>[MaxCount + 1];
        var beyond = new List<(byte[] Bytes, int Id)>();
        for (int c = 0; c <= MaxCount; c++)
        {
            rests[c] = [];
        }

        foreach ((byte[] bytes, int id) in entries)
        {
            (int count, int restStart) = Split(bytes);
            if (count > MaxCount)
            {
                beyond.Add((bytes[restStart..], id));
            }
            else if (restStart == bytes.Length)
            {
                pure.Add((count, id));
            }
            else if (count > 0 || StartsInside(bytes[0]))
            {
                rests[count].Add((bytes[restStart..], id));
            }
        }

        _rests = [.. rests.Select(r => r.Count == 0 ? null : TokenTrie.Of(r, vocabularySize))];
        Beyond = beyond.Count == 0 ? null : TokenTrie.Of(beyond, vocabularySize);
        _pureUpTo = CumulativeBitsets(pure, (vocabularySize + 63) >> 6);
    }

    /// <summary>One class character as an automaton: from its start, the UTF-8 bytes of one character lead to an accepting state.</summary>
    public LazyDfa Character { get; }

    /// <summary>What follows the first <see cref="MaxCount"/> characters of the tokens that start with more; null if none do.</summary>
    public TokenTrie? Beyond { get; }

    /// <summary>Sets the bits of the tokens that are nothing but at most <paramref name="count"/> (≤ <see cref="MaxCount"/>) class characters.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AddPure(int count, ulong[] bits)
    {
        ulong[] upTo = _pureUpTo[count];
        for (int w = 0; w < upTo.Length; w++)
        {
            bits[w] |= upTo[w];
        }
    }

    /// <summary>
    /// Sets the bits of the tokens that start with exactly <paramref name="count"/> class characters and go on, and
    /// whose rest <paramref name="dfa"/> reads from <paramref name="state"/> without dying.
    /// </summary>
    public void WalkRests(int count, LazyDfa dfa, int state, ulong[] bits)
    {
        _rests[count]?.Walk(dfa, state, bits);
        if (count == 0)
        {
            foreach ((int start, int end) in _outside)
            {
                _all.Walk(dfa, state, bits, start, end);
            }
        }
    }

    // Every transition of the one-character automaton (a handful of states) is built here: the grammars sharing this
    // index read it under their own locks, possibly at once, so it must never build a state lazily.
    private static LazyDfa Complete(LazyDfa character)
    {
        for (int state = 0; state < character.StateCount; state++)
        {
            for (int b = 0; b < 256; b++)
            {
                _ = character.Next(state, (byte)b);
            }
        }

        return character;
    }

    private bool StartsInside(byte first) => Character.Next(Character.Start, first) != LazyDfa.Dead;

    /// <summary>The runs of adjacent top-level subtrees of the vocabulary's trie whose first byte starts no class character.</summary>
    private void FindOutside()
    {
        for (int node = 0; node < _all.Bytes.Length; node = _all.SubtreeEnds[node])
        {
            if (StartsInside(_all.Bytes[node]))
            {
                continue;
            }

            if (_outside.Count > 0 && _outside[^1].End == node)
            {
                _outside[^1] = (_outside[^1].Start, _all.SubtreeEnds[node]);
            }
            else
            {
                _outside.Add((node, _all.SubtreeEnds[node]));
            }
        }
    }

    /// <summary>How many complete class characters <paramref name="bytes"/> starts with and where the rest begins; one more than <see cref="MaxCount"/> if it goes on past them, the rest then starting after the first <see cref="MaxCount"/>.</summary>
    private (int Count, int RestStart) Split(byte[] bytes)
    {
        int count = 0, restStart = 0, state = Character.Start;
        for (int i = 0; i < bytes.Length; i++)
        {
            state = Character.Next(state, bytes[i]);
            if (state == LazyDfa.Dead)
            {
                break;
            }

            if (Character.IsAccepting(state))
            {
                if (count == MaxCount)
                {
                    // Past the followed run: the rest starts after its last character.
                    return (MaxCount + 1, restStart);
                }

                (count, restStart, state) = (count + 1, i + 1, Character.Start);
            }
        }

        return (count, restStart);
    }

    private static ulong[][] CumulativeBitsets(List<(int Count, int Id)> pure, int words)
    {
        var upTo = new ulong[MaxCount + 1][];
        for (int c = 0; c <= MaxCount; c++)
        {
            upTo[c] = new ulong[words];
        }

        foreach ((int count, int id) in pure)
        {
            upTo[count][id >> 6] |= 1UL << (id & 63);
        }

        for (int c = 1; c <= MaxCount; c++)
        {
            for (int w = 0; w < words; w++)
            {
                upTo[c][w] |= upTo[c - 1][w];
            }
        }

        return upTo;
    }
}
