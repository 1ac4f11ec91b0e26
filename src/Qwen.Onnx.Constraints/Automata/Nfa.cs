using Qwen.Onnx.Constraints.Languages;

namespace Qwen.Onnx.Constraints.Automata;

/// <summary>
/// A Thompson automaton over bytes for a <see cref="Language"/>: byte-range edges and epsilon edges, one accepting
/// state. Built in lists, then flattened into arrays, since the lazy automaton reads a state's edges for every
/// transition it builds.
/// </summary>
internal sealed class Nfa
{
    private readonly List<List<int>> _epsilon = [];
    private readonly List<List<(byte Lo, byte Hi, int To)>> _edges = [];
    private readonly int[] _edgeStarts;
    private readonly (byte Lo, byte Hi, int To)[] _edgeList;
    private readonly int[] _epsilonStarts;
    private readonly int[] _epsilonList;

    // A character set recurs (every copy of a bounded string's character): its UTF-8 split is computed once.
    private readonly Dictionary<CodePointSet, List<(byte Lo, byte Hi)[]>> _sequences = new(ReferenceEqualityComparer.Instance);

    // The middle states of the character being added, by the byte range they read and the state it leads to.
    private readonly Dictionary<(byte Lo, byte Hi, int To), int> _tails = [];

    private Nfa(Language language)
    {
        Start = NewState();
        Accept = Add(language, Start);
        (_edgeStarts, _edgeList) = Flatten(_edges);
        (_epsilonStarts, _epsilonList) = Flatten(_epsilon);
        _edges.Clear();
        _epsilon.Clear();
    }

    public int Start { get; }

    public int Accept { get; }

    public int StateCount => _edgeStarts.Length - 1;

    public ReadOnlySpan<int> EpsilonOf(int state) => _epsilonList.AsSpan(_epsilonStarts[state].._epsilonStarts[state + 1]);

    public ReadOnlySpan<(byte Lo, byte Hi, int To)> EdgesOf(int state) => _edgeList.AsSpan(_edgeStarts[state].._edgeStarts[state + 1]);

    public static Nfa Build(Language language) => new(language);

    private static (int[] Starts, T[] Items) Flatten<T>(List<List<T>> lists)
    {
        var starts = new int[lists.Count + 1];
        for (int s = 0; s < lists.Count; s++)
        {
            starts[s + 1] = starts[s] + lists[s].Count;
        }

        var items = new T[starts[^1]];
        for (int s = 0; s < lists.Count; s++)
        {
            lists[s].CopyTo(items, starts[s]);
        }

        return (starts, items);
    }

    private int NewState()
    {
        _epsilon.Add([]);
        _edges.Add([]);
        return _edges.Count - 1;
    }

    private int Add(Language language, int from) => language switch
    {
        CharsLanguage chars => AddChars(chars.Set, from),
        SequenceLanguage sequence => sequence.Parts.Aggregate(from, (at, part) => Add(part, at)),
        ChoiceLanguage choice => AddChoice(choice.Options, from),
        RepeatLanguage repeat => AddRepeat(repeat, from),
        MembersLanguage members => AddMembers(members, from),
        _ => throw new InvalidOperationException("An impossible language reached the automaton builder."),
    };

    private int AddChars(CodePointSet set, int from)
    {
        int end = NewState();
        if (!_sequences.TryGetValue(set, out List<(byte Lo, byte Hi)[]>? sequences))
        {
            sequences = [];
            foreach ((int lo, int hi) in set.Ranges)
            {
                Utf8Ranges.Split(lo, hi, sequences);
            }

            _sequences[set] = sequences;
        }

        // Sequences share their tails (most end in the same continuation ranges): a state is "these ranges are left",
        // built once, so a character leaves a few middle states instead of one per sequence and byte, and the lazy
        // automaton builds that few for every position it reads a character at.
        _tails.Clear();
        foreach ((byte Lo, byte Hi)[] sequence in sequences)
        {
            int to = end;
            for (int i = sequence.Length - 1; i > 0; i--)
            {
                to = Tail(sequence[i], to);
            }

            _edges[from].Add((sequence[0].Lo, sequence[0].Hi, to));
        }

        return end;
    }

    private int Tail((byte Lo, byte Hi) range, int to)
    {
        if (!_tails.TryGetValue((range.Lo, range.Hi, to), out int state))
        {
            state = NewState();
            _edges[state].Add((range.Lo, range.Hi, to));
            _tails.Add((range.Lo, range.Hi, to), state);
        }

        return state;
    }

    private int AddChoice(Language[] options, int from)
    {
        int end = NewState();
        foreach (Language option in options)
        {
            int start = NewState();
            _epsilon[from].Add(start);
            _epsilon[Add(option, start)].Add(end);
        }

        return end;
    }

    /// <summary>
    /// Two frontier states: <c>none</c> while no member was written (the next needs no separator), <c>some</c> after
    /// one. Both lead into one copy of each member, the latter through the separator.
    /// </summary>
    private int AddMembers(MembersLanguage members, int from)
    {
        int none = from, some = -1;
        foreach ((Language member, bool required) in members.Members)
        {
            int join = NewState();
            if (none >= 0)
            {
                _epsilon[none].Add(join);
            }

            if (some >= 0)
            {
                _epsilon[Add(members.Separator, some)].Add(join);
            }

            // A fresh state: the member's own end may loop back into it, and skipping must not enter that loop.
            int after = NewState();
            _epsilon[Add(member, join)].Add(after);
            if (!required && some >= 0)
            {
                _epsilon[some].Add(after);
            }

            none = required ? -1 : none;
            some = after;
        }

        int end = NewState();
        if (none >= 0)
        {
            _epsilon[none].Add(end);
        }

        _epsilon[some].Add(end);
        return end;
    }

    private int AddRepeat(RepeatLanguage repeat, int from)
    {
        int at = from;
        for (int i = 0; i < repeat.Min; i++)
        {
            at = Add(repeat.Part, at);
        }

        if (repeat.Max is not int max)
        {
            int loop = NewState();
            _epsilon[at].Add(loop);
            _epsilon[Add(repeat.Part, loop)].Add(loop);
            return loop;
        }

        int end = NewState();
        _epsilon[at].Add(end);
        for (int i = repeat.Min; i < max; i++)
        {
            at = Add(repeat.Part, at);
            _epsilon[at].Add(end);
        }

        return end;
    }
}
