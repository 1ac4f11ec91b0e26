using System.Numerics;
using System.Runtime.CompilerServices;
using Qwen.Onnx.Constraints.Automata;

namespace Qwen.Onnx.Constraints.Tokens;

/// <summary>
/// A compiled constraint bound to a vocabulary: the lazy byte automaton and, per automaton state, the mask of tokens
/// whose whole byte string the automaton accepts from there (computed once, then reused by every request: the mask
/// depends on the state only). A state that treats a whole character class alike (free text, inside a string) gets its
/// mask from the vocabulary's class bitsets (<see cref="ClassRuns"/>); any other state from a pruned walk of the token
/// trie. End-of-turn tokens are allowed exactly in accepting states. Shared by concurrent requests; the automaton and the cache are guarded by one lock, held for a lookup on
/// the warm path.
/// </summary>
internal sealed class TokenGrammar
{
    /// <summary>The state after an end-of-turn token: nothing more may follow.</summary>
    public const int Finished = -3;

    // A bound on the forced start's length: property names are short, and a long constant should not stall the compile.
    private const int MaxForcedStart = 64;

    private readonly LazyDfa _dfa;
    private readonly Lazy<Vocabulary> _vocabulary;
    private readonly int[] _endOfTurn;
    private readonly List<TokenMask?> _masks = [];
    private readonly Lock _gate = new();
    private readonly Func<int, byte[]> _tokenBytes;
    private ClassRuns[]? _runs;

    // Masks are built here and copied only when kept as a bitset: most states keep a short list, and a fresh 19 KB
    // bitset per new state made collections frequent enough to land inside token steps.
    private ulong[]? _bits;

    /// <summary>Binds an automaton to a vocabulary; the vocabulary is only indexed when a mask is first needed.</summary>
    public TokenGrammar(Nfa nfa, Lazy<Vocabulary> vocabulary, int vocabularySize, IReadOnlyList<int> endOfTurn, Func<int, byte[]> tokenBytes)
    {
        _dfa = new LazyDfa(nfa);
        _vocabulary = vocabulary;
        _endOfTurn = [.. endOfTurn];
        _tokenBytes = tokenBytes;
        TokenBytes = new byte[vocabularySize][];
    }

    public int Start => _dfa.Start;

    // Token byte strings, copied on first use so a step reads a plain array.
    private byte[]?[] TokenBytes { get; }

    public bool IsAccepting(int state)
    {
        if (state == Finished)
        {
            return true;
        }

        lock (_gate)
        {
            return _dfa.IsAccepting(state);
        }
    }

    public TokenMask MaskOf(int state)
    {
        lock (_gate)
        {
            while (_masks.Count <= state)
            {
                _masks.Add(null);
            }

            return _masks[state] ??= Build(state);
        }
    }

    /// <summary>
    /// Builds the masks of the states every answer starts with (XGrammar spends compile time the same way): the start
    /// state and, while only one byte can follow (the forced <c>{"name":"</c> of a schema), the states along that
    /// literal and the first one with a choice, so no token step pays them. Needs the vocabulary indexed.
    /// </summary>
    public void MaskForcedStart()
    {
        int state = Start;
        for (int step = 0; step <= MaxForcedStart && state >= 0; step++)
        {
            _ = MaskOf(state);
            state = OnlyNext(state);
        }
    }

    /// <summary>The state after <paramref name="token"/>; <see cref="LazyDfa.Dead"/> if the grammar rejects it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Advance(int state, int token)
    {
        if (state == Finished)
        {
            return LazyDfa.Dead;
        }

        lock (_gate)
        {
            if (Array.IndexOf(_endOfTurn, token) >= 0)
            {
                return _dfa.IsAccepting(state) ? Finished : LazyDfa.Dead;
            }

            if ((uint)token >= (uint)TokenBytes.Length)
            {
                return LazyDfa.Dead;
            }

            byte[] bytes = TokenBytes[token] ??= _tokenBytes(token);
            for (int i = 0; i < bytes.Length && state >= 0; i++)
            {
                state = _dfa.Next(state, bytes[i]);
            }

            return bytes.Length == 0 ? LazyDfa.Dead : state;
        }
    }

    /// <summary>The state after the one byte <paramref name="state"/> allows; <see cref="LazyDfa.Dead"/> if it allows none or several.</summary>
    private int OnlyNext(int state)
    {
        lock (_gate)
        {
            int only = LazyDfa.Dead;
            for (int b = 0; b < 256; b++)
            {
                int next = _dfa.Next(state, (byte)b);
                if (next != LazyDfa.Dead && only != LazyDfa.Dead)
                {
                    return LazyDfa.Dead;
                }

                only = next == LazyDfa.Dead ? only : next;
            }

            return only;
        }
    }

    // The mask code (here, in the automaton, the class runs and the masks) is fully optimised from its first call: a
    // fresh process's first requests run while tiered compilation still holds back promotion, and unoptimised code
    // made their first masks several times slower.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private TokenMask Build(int state)
    {
        Vocabulary vocabulary = _vocabulary.Value;
        _runs ??= [.. vocabulary.Classes.Select(c => new ClassRuns(_dfa, c))];
        ulong[] bits = _bits ??= new ulong[(vocabulary.Trie.VocabularySize + 63) >> 6];
        Array.Clear(bits);
        if (!_runs.Any(r => r.TryMask(state, bits)))
        {
            vocabulary.Trie.Walk(_dfa, state, bits);
        }

        if (_dfa.IsAccepting(state))
        {
            // One end-of-turn token is enough (the first the tokenizer lists, <|im_end|> for chat models); allowing
            // several would keep a finished value from being forced.
            int end = _endOfTurn[0];
            bits[end >> 6] |= 1UL << (end & 63);
        }

        int count = 0;
        foreach (ulong word in bits)
        {
            count += BitOperations.PopCount(word);
        }

        return new TokenMask(bits, count);
    }
}
