namespace Qwen.Onnx.Constraints.Languages;

/// <summary>
/// Word lengths of a <see cref="Language"/>, in code points (what JSON Schema's <c>minLength</c>/<c>maxLength</c>
/// count), and the exact restriction of a language to a length range where the restriction stays a plain
/// <see cref="Language"/> (so the same language still becomes the GenAI regular expression). That covers bounds a
/// pattern or format already implies, alternatives, repeats, and sequences (several parts of variable length are split
/// into alternatives by the length of the first, within a node budget, since a regular expression cannot write the
/// automaton product that would be smaller).
/// </summary>
internal static class LengthBounds
{
    /// <summary>The shortest and longest word (<see langword="null"/> when unbounded).</summary>
    public static (int Min, int? Max) Of(Language language) => language switch
    {
        CharsLanguage => (1, 1),
        SequenceLanguage sequence => Sum(sequence.Parts),
        ChoiceLanguage choice => Widest(choice.Options),
        RepeatLanguage repeat => Repeated(repeat),

        // Object members never occur inside a string; no bound is known for them.
        _ => (0, null),
    };

    /// <summary>
    /// The words of <paramref name="language"/> with <paramref name="min"/> to <paramref name="max"/> code points, or
    /// <see langword="null"/> when that set has no exact <see cref="Language"/> form here, or only one larger than
    /// <see cref="Budget"/> nodes.
    /// </summary>
    public static Language? Restrict(Language language, int min, int? max)
    {
        int budget = Budget;
        return Restrict(language, min, max, ref budget);
    }

    /// <summary>The most nodes a restriction may add: splitting several variable parts multiplies alternatives.</summary>
    internal const int Budget = 2048;

    private static Language? Restrict(Language language, int min, int? max, ref int budget)
    {
        (int shortest, int? longest) = Of(language);
        int low = Math.Max(min, shortest);
        int? high = Lower(max, longest);
        if (high < low)
        {
            return Language.Nothing;
        }

        if (min <= shortest && (max is null || longest <= max))
        {
            return language;
        }

        if (--budget < 0)
        {
            return null;
        }

        return language switch
        {
            ChoiceLanguage choice => RestrictEach(choice.Options, low, high, ref budget),
            RepeatLanguage repeat => RestrictRepeat(repeat, low, high, ref budget),
            SequenceLanguage sequence => RestrictSequence(sequence.Parts, low, high, ref budget),
            _ => null,
        };
    }

    private static Language? RestrictEach(Language[] options, int min, int? max, ref int budget)
    {
        var restricted = new Language[options.Length];
        for (int i = 0; i < options.Length; i++)
        {
            if (Restrict(options[i], min, max, ref budget) is not { } option)
            {
                return null;
            }

            restricted[i] = option;
        }

        return Language.Choice(restricted);
    }

    /// <summary>
    /// n copies of a part of fixed length k have n·k code points, so the bounds become bounds on n. A part of variable
    /// (never empty) length under an upper bound is repeated at most max / shortest times: each count is a sequence.
    /// </summary>
    private static Language? RestrictRepeat(RepeatLanguage repeat, int min, int? max, ref int budget)
    {
        (int shortest, int? longest) = Of(repeat.Part);
        if (longest == shortest && shortest > 0)
        {
            return Language.Repeat(repeat.Part, Math.Max(repeat.Min, (min + shortest - 1) / shortest), Lower(repeat.Max, max / shortest));
        }

        if (max is null || shortest == 0)
        {
            return null;
        }

        int alternatives = Math.Max(0, Math.Min(repeat.Max ?? int.MaxValue, max.Value / shortest) - repeat.Min + 1);
        if (alternatives > budget)
        {
            return null;
        }

        var counts = new Language[alternatives];
        for (int i = 0; i < counts.Length; i++)
        {
            if (Restrict(Language.Sequence([.. Enumerable.Repeat(repeat.Part, repeat.Min + i)]), min, max, ref budget) is not { } count)
            {
                return null;
            }

            counts[i] = count;
        }

        return Language.Choice(counts);
    }

    /// <summary>
    /// With every other part of fixed length, the one variable part takes what the bounds leave; with several, each
    /// length the first variable part can take is an alternative, and the rest takes what that leaves.
    /// </summary>
    private static Language? RestrictSequence(Language[] parts, int min, int? max, ref int budget)
    {
        int fixedLength = 0, first = -1, variables = 0;
        for (int i = 0; i < parts.Length; i++)
        {
            (int shortest, int? longest) = Of(parts[i]);
            fixedLength += longest == shortest ? shortest : 0;
            first = longest == shortest || first >= 0 ? first : i;
            variables += longest == shortest ? 0 : 1;
        }

        if (variables == 1)
        {
            return Replace(parts, first, Restrict(parts[first], Math.Max(0, min - fixedLength), max - fixedLength, ref budget));
        }

        if (max is null)
        {
            return null;
        }

        // Split into the first variable part and the rest (fixed parts before it stay in front).
        Language head = parts[first], rest = Language.Sequence(parts[(first + 1)..]);
        int before = LengthOf(parts[..first]);
        (int headShortest, int? headLongest) = Of(head);
        var options = new List<Language>();
        for (int length = headShortest; length <= Lower(headLongest, max - before); length++)
        {
            Language? exact = Restrict(head, length, length, ref budget);
            Language? tail = exact is null ? null : Restrict(rest, Math.Max(0, min - before - length), max - before - length, ref budget);
            if (exact is null || tail is null)
            {
                return null;
            }

            options.Add(Language.Sequence([.. parts[..first], exact, tail]));
        }

        return Language.Choice([.. options]);
    }

    private static Language? Replace(Language[] parts, int index, Language? part)
    {
        if (part is null)
        {
            return null;
        }

        Language[] result = [.. parts];
        result[index] = part;
        return Language.Sequence(result);
    }

    private static int LengthOf(Language[] fixedParts) => fixedParts.Sum(p => Of(p).Min);

    private static (int Min, int? Max) Sum(Language[] parts)
    {
        long min = 0;
        long? max = 0;
        foreach (Language part in parts)
        {
            (int shortest, int? longest) = Of(part);
            min += shortest;
            max += longest;
        }

        return (Saturate(min), max is long m && m <= int.MaxValue ? (int)m : null);
    }

    private static (int Min, int? Max) Widest(Language[] options)
    {
        int min = int.MaxValue;
        int? max = 0;
        foreach (Language option in options)
        {
            (int shortest, int? longest) = Of(option);
            min = Math.Min(min, shortest);
            max = longest is null || max is null ? null : Math.Max(max.Value, longest.Value);
        }

        return (min, max);
    }

    private static (int Min, int? Max) Repeated(RepeatLanguage repeat)
    {
        (int shortest, int? longest) = Of(repeat.Part);
        long? max = longest == 0 ? 0 : (long?)repeat.Max * longest;
        return (Saturate((long)repeat.Min * shortest), max <= int.MaxValue ? (int?)max : null);
    }

    private static int Saturate(long value) => (int)Math.Min(value, int.MaxValue);

    /// <summary>The smaller bound, where <see langword="null"/> means unbounded.</summary>
    private static int? Lower(int? a, int? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);
}
