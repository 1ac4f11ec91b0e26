using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Qwen.Onnx.Constraints.Automata;

/// <summary>
/// The deterministic automaton of an <see cref="Nfa"/>, built on demand: a state is a set of NFA states, created the
/// first time a byte leads to it, and every transition is remembered in a table, so after warm-up a step is two
/// array reads. Bytes that no edge of the automaton tells apart form a class (a contiguous range: ASCII letters outside
/// every literal, the continuation bytes of one UTF-8 range, ...); one transition is computed per class and filled in
/// for all its bytes, so building a state costs a few dozen steps instead of up to 256. Not thread-safe: its owner
/// serialises access.
/// </summary>
internal sealed class LazyDfa
{
    public const int Dead = -1;
    private const int Unknown = -2;
    private const int BlockShift = 7;
    private const int BlockMask = (1 << BlockShift) - 1;

    private readonly Nfa _nfa;
    private readonly Dictionary<int[], int> _ids = new(SetComparer.Instance);
    private readonly Dictionary<int[], int> _byTargets = new(SetComparer.Instance);
    private readonly List<int[]> _sets = [];
    private readonly List<bool> _accepting = [];
    private readonly int[] _seenIn;
    private readonly Stack<int> _pending = new();
    private readonly List<int> _scratch = [];
    private readonly List<int> _lastTargets = [];
    private int _lastNext = Dead;
    private readonly List<int> _closure = [];
    private int _closures;
    private readonly byte[] _classEnds;
    private readonly byte[] _classStarts = new byte[256];

    // Transitions in blocks of states, added as states are made: growing never copies the table (a copy of megabytes
    // past a thousand states, paid inside one token's step).
    private int[][] _blocks = [];

    public LazyDfa(Nfa nfa)
    {
        _nfa = nfa;
        _classEnds = ClassEnds(nfa);
        for (int b = 1; b < 256; b++)
        {
            _classStarts[b] = _classEnds[b - 1] == _classEnds[b] ? _classStarts[b - 1] : (byte)b;
        }

        _seenIn = new int[nfa.StateCount];
        _scratch.Add(nfa.Start);
        Start = Intern(Closure(_scratch));
    }

    public int Start { get; }

    public int StateCount => _sets.Count;

    public bool IsAccepting(int state) => _accepting[state];

    /// <summary>The last byte of <paramref name="value"/>'s class: every byte from it to there leads every state alike.</summary>
    public byte ClassEnd(byte value) => _classEnds[value];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Next(int state, byte value)
    {
        int next = _blocks[state >> BlockShift][((state & BlockMask) << 8) | value];
        return next != Unknown ? next : Compute(state, value);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Compute(int state, byte value)
    {
        _scratch.Clear();
        foreach (int s in _sets[state])
        {
            foreach ((byte lo, byte hi, int to) in _nfa.EdgesOf(s))
            {
                if (lo <= value && value <= hi)
                {
                    _scratch.Add(to);
                }
            }
        }

        int next = _scratch.Count == 0 ? Dead : FromTargets();
        int first = _classStarts[value];
        _blocks[state >> BlockShift].AsSpan(((state & BlockMask) << 8) | first, _classEnds[value] - first + 1).Fill(next);
        return next;
    }

    /// <summary>Byte classes: a class ends wherever some edge's range starts after it or ends on it.</summary>
    private static byte[] ClassEnds(Nfa nfa)
    {
        var cut = new bool[256];
        cut[255] = true;
        for (int s = 0; s < nfa.StateCount; s++)
        {
            foreach ((byte lo, byte hi, int _) in nfa.EdgesOf(s))
            {
                cut[hi] = true;
                if (lo > 0)
                {
                    cut[lo - 1] = true;
                }
            }
        }

        var ends = new byte[256];
        for (int b = 255; b >= 0; b--)
        {
            ends[b] = cut[b] ? (byte)b : ends[b + 1];
        }

        return ends;
    }

    // The byte classes of a state are usually asked one after another, and neighbours often find the same targets in
    // the same order (every letter inside a string), so the last answer is tried before sorting, copying and hashing.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int FromTargets()
    {
        if (CollectionsMarshal.AsSpan(_scratch).SequenceEqual(CollectionsMarshal.AsSpan(_lastTargets)))
        {
            return _lastNext;
        }

        _lastTargets.Clear();
        _lastTargets.AddRange(_scratch);
        _lastNext = Targets();
        return _lastNext;
    }

    // Many byte classes of a state reach the same NFA states: their closure is found once.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Targets()
    {
        _scratch.Sort();
        int[] targets = [.. _scratch];
        if (!_byTargets.TryGetValue(targets, out int next))
        {
            next = Intern(Closure(_scratch));
            _byTargets.Add(targets, next);
        }

        return next;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int[] Closure(List<int> from)
    {
        // A state is seen in this closure when its stamp is this closure's number: no clearing between closures.
        int stamp = ++_closures;
        _closure.Clear();
        foreach (int s in from)
        {
            _pending.Push(s);
        }

        while (_pending.TryPop(out int s))
        {
            if (_seenIn[s] == stamp)
            {
                continue;
            }

            _seenIn[s] = stamp;

            // Only states with byte edges, and the accepting one, tell sets apart.
            if (_nfa.EdgesOf(s).Length > 0 || s == _nfa.Accept)
            {
                _closure.Add(s);
            }

            foreach (int e in _nfa.EpsilonOf(s))
            {
                _pending.Push(e);
            }
        }

        _closure.Sort();
        return [.. _closure];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Intern(int[] set)
    {
        if (_ids.TryGetValue(set, out int id))
        {
            return id;
        }

        id = _sets.Count;
        _sets.Add(set);
        _accepting.Add(Array.BinarySearch(set, _nfa.Accept) >= 0);
        _ids.Add(set, id);
        if ((id & BlockMask) == 0)
        {
            Array.Resize(ref _blocks, _blocks.Length + 1);
            _blocks[^1] = new int[256 << BlockShift];
            _blocks[^1].AsSpan().Fill(Unknown);
        }

        return id;
    }

    private sealed class SetComparer : IEqualityComparer<int[]>
    {
        public static SetComparer Instance { get; } = new();

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool Equals(int[]? x, int[]? y) => x.AsSpan().SequenceEqual(y);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public int GetHashCode(int[] obj)
        {
            var hash = default(HashCode);
            hash.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(obj.AsSpan()));
            return hash.ToHashCode();
        }
    }
}
