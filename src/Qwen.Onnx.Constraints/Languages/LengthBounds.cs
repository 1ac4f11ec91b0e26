namespace Qwen.Onnx.Constraints.Languages;

/// <summary>
/// Word lengths of a <see cref="Language"/>, in code points (what JSON Schema's <c>minLength</c>/<c>maxLength</c>
/// count), and the exact restriction of a language to a length range where the restriction stays a plain
/// <see cref="Language"/> (so the same language still becomes the GenAI regular expression). That covers bounds a
/// pattern or format already implies, alternatives, repeats of a fixed-length part and sequences with one part of
/// variable length; other shapes would need an automaton product, which a regular expression cannot write.
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
    /// <see langword="null"/> when that set has no exact <see cref="Language"/> form here.
    /// </summary>
    public static Language? Restrict(Language language, int min, int? max)
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

        return language switch
        {
            ChoiceLanguage choice => RestrictEach(choice.Options, low, high),
            RepeatLanguage repeat => RestrictRepeat(repeat, low, high),
            SequenceLanguage sequence => RestrictSequence(sequence.Parts, low, high),
            _ => null,
        };
    }

    private static Language? RestrictEach(Language[] options, int min, int? max)
    {
        var restricted = new Language[options.Length];
        for (int i = 0; i < options.Length; i++)
        {
            if (Restrict(options[i], min, max) is not { } option)
            {
                return null;
            }

            restricted[i] = option;
        }

        return Language.Choice(restricted);
    }

    /// <summary>n copies of a part of fixed length k have n·k code points, so the bounds become bounds on n.</summary>
    private static Language? RestrictRepeat(RepeatLanguage repeat, int min, int? max)
    {
        (int k, int? longest) = Of(repeat.Part);
        if (longest != k || k == 0)
        {
            return null;
        }

        int fewest = Math.Max(repeat.Min, (min + k - 1) / k);
        int? most = Lower(repeat.Max, max / k);
        return Language.Repeat(repeat.Part, fewest, most);
    }

    /// <summary>With every other part of fixed length, the one variable part takes what the bounds leave.</summary>
    private static Language? RestrictSequence(Language[] parts, int min, int? max)
    {
        int fixedLength = 0, variable = -1;
        for (int i = 0; i < parts.Length; i++)
        {
            (int shortest, int? longest) = Of(parts[i]);
            if (longest == shortest)
            {
                fixedLength += shortest;
            }
            else if (variable >= 0)
            {
                return null;
            }
            else
            {
                variable = i;
            }
        }

        if (variable < 0 || Restrict(parts[variable], Math.Max(0, min - fixedLength), max - fixedLength) is not { } restricted)
        {
            return null;
        }

        Language[] result = [.. parts];
        result[variable] = restricted;
        return Language.Sequence(result);
    }

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
