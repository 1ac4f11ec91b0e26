using System.Runtime.CompilerServices;
using Qwen.Onnx.Constraints.Automata;

namespace Qwen.Onnx.Constraints.Tokens;

/// <summary>
/// One grammar's automaton seen through one <see cref="CharacterClassTokens"/>. From a state S it follows the run
/// S = S(0), S(1), ... in which every class character leads from S(i) to one and the same S(i+1) (checked on the
/// automaton over all the class's UTF-8 encodings, so it holds for every character, not a sample). A free-text state
/// loops to itself; a string with a maximum length counts down to the dead state. When the run holds for as many
/// characters as any token starts with, the mask is exact without walking the vocabulary: a token of c class characters
/// and a rest r is allowed exactly when S(c) is alive and r is read from S(c) without dying, so the mask is the
/// bitset of pure tokens of at most as many characters as the run stays alive, plus a walk of each count's rests.
/// Not thread-safe: the owning grammar's lock guards it with the automaton.
/// </summary>
internal sealed class ClassRuns
{
    private const int Unknown = -2;
    private const int Mixed = -3;

    private readonly LazyDfa _dfa;
    private readonly CharacterClassTokens _tokens;
    private readonly List<int> _successors = [];
    private readonly int[] _run;
    private long[] _pairs = new long[32];
    private int _pairCount;

    public ClassRuns(LazyDfa dfa, CharacterClassTokens tokens)
    {
        _dfa = dfa;
        _tokens = tokens;
        _run = new int[CharacterClassTokens.MaxCount + 1];
    }

    /// <summary>Sets the bits of the tokens allowed in <paramref name="state"/>, if its run is long enough; otherwise leaves them and returns false.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryMask(int state, ulong[] bits)
    {
        _run[0] = state;
        int alive = 0;
        while (alive < CharacterClassTokens.MaxCount)
        {
            int next = Successor(_run[alive]);
            if (next == Mixed)
            {
                return false;
            }

            if (next == LazyDfa.Dead)
            {
                break;
            }

            _run[++alive] = next;
        }

        _tokens.AddPure(alive, bits);
        for (int c = 0; c <= alive; c++)
        {
            _tokens.WalkRests(c, _dfa, _run[c], bits);
        }

        if (alive == CharacterClassTokens.MaxCount)
        {
            _tokens.Beyond?.Walk(_dfa, _run[alive], bits);
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Successor(int state)
    {
        while (_successors.Count <= state)
        {
            _successors.Add(Unknown);
        }

        if (_successors[state] == Unknown)
        {
            _successors[state] = CommonSuccessor(state);
        }

        return _successors[state];
    }

    /// <summary>
    /// Reads one class character from <paramref name="state"/> in every way at once: the pairs (position inside a
    /// character, grammar state) over all bytes, one byte per class of both automata. The successor is common if every
    /// complete character ends in the same grammar state (the dead one included); otherwise the class is mixed here.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int CommonSuccessor(int state)
    {
        LazyDfa character = _tokens.Character;
        _pairCount = 0;
        AddPair(character.Start, state);
        int end = Unknown;
        for (int next = 0; next < _pairCount; next++)
        {
            (int inside, int at) = ((int)(_pairs[next] >> 32), (int)_pairs[next]);
            for (int b = 0; b < 256;)
            {
                byte value = (byte)b;
                b = Math.Min(character.ClassEnd(value), _dfa.ClassEnd(value)) + 1;
                int inCharacter = character.Next(inside, value);
                if (inCharacter == LazyDfa.Dead)
                {
                    continue;
                }

                int inGrammar = at == LazyDfa.Dead ? LazyDfa.Dead : _dfa.Next(at, value);
                if (!character.IsAccepting(inCharacter))
                {
                    AddPair(inCharacter, inGrammar);
                }
                else if (end == Unknown || end == inGrammar)
                {
                    end = inGrammar;
                }
                else
                {
                    return Mixed;
                }
            }
        }

        return end;
    }

    // The pairs met so far, in the order met: a handful (a position inside a character has one or two grammar states).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AddPair(int inside, int at)
    {
        long pair = ((long)inside << 32) | (uint)at;
        if (Array.IndexOf(_pairs, pair, 0, _pairCount) >= 0)
        {
            return;
        }

        if (_pairCount == _pairs.Length)
        {
            Array.Resize(ref _pairs, _pairs.Length * 2);
        }

        _pairs[_pairCount++] = pair;
    }
}
