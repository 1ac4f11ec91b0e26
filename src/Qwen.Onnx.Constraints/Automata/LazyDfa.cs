using System.Runtime.CompilerServices;

namespace Qwen.Onnx.Constraints.Automata;

/// <summary>
/// The deterministic automaton of an <see cref="Nfa"/>, built on demand: a state is a set of NFA states, created the
/// first time a byte leads to it, and every transition is remembered in a flat table, so after warm-up a step is one
/// array read. Not thread-safe: its owner serialises access.
/// </summary>
internal sealed class LazyDfa
{
    public const int Dead = -1;
    private const int Unknown = -2;

    private readonly Nfa _nfa;
    private readonly Dictionary<int[], int> _ids = new(SetComparer.Instance);
    private readonly List<int[]> _sets = [];
    private readonly List<bool> _accepting = [];
    private readonly bool[] _seen;
    private readonly Stack<int> _pending = new();
    private readonly List<int> _scratch = [];
    private int[] _table = [];

    public LazyDfa(Nfa nfa)
    {
        _nfa = nfa;
        _seen = new bool[nfa.StateCount];
        _scratch.Add(nfa.Start);
        Start = Intern(Closure(_scratch));
    }

    public int Start { get; }

    public int StateCount => _sets.Count;

    public bool IsAccepting(int state) => _accepting[state];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Next(int state, byte value)
    {
        int next = _table[(state << 8) | value];
        return next != Unknown ? next : Compute(state, value);
    }

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

        int next = _scratch.Count == 0 ? Dead : Intern(Closure(_scratch));
        _table[(state << 8) | value] = next;
        return next;
    }

    private int[] Closure(List<int> from)
    {
        var result = new List<int>();
        foreach (int s in from)
        {
            _pending.Push(s);
        }

        while (_pending.TryPop(out int s))
        {
            if (_seen[s])
            {
                continue;
            }

            _seen[s] = true;
            result.Add(s);
            foreach (int e in _nfa.EpsilonOf(s))
            {
                _pending.Push(e);
            }
        }

        foreach (int s in result)
        {
            _seen[s] = false;
        }

        // Only states with byte edges, and the accepting one, tell sets apart.
        result.RemoveAll(s => _nfa.EdgesOf(s).Count == 0 && s != _nfa.Accept);
        result.Sort();
        return [.. result];
    }

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
        if (_table.Length < (id + 1) << 8)
        {
            int old = _table.Length, size = Math.Max(4096, old);
            while (size < (id + 1) << 8)
            {
                size *= 2;
            }

            Array.Resize(ref _table, size);
            _table.AsSpan(old).Fill(Unknown);
        }

        return id;
    }

    private sealed class SetComparer : IEqualityComparer<int[]>
    {
        public static SetComparer Instance { get; } = new();

        public bool Equals(int[]? x, int[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(int[] obj)
        {
            var hash = default(HashCode);
            hash.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(obj.AsSpan()));
            return hash.ToHashCode();
        }
    }
}
