namespace Qwen.Onnx.Constraints.Languages;

/// <summary>
/// A regular language over Unicode text: what a JSON Schema or a regular expression compiles to before it becomes a
/// byte automaton. The factory methods simplify as they build (an impossible part makes its sequence impossible and
/// drops out of its alternation), so every part of a built language can reach a complete match: that is what lets the
/// automaton never strand the model in a state with no valid continuation.
/// </summary>
internal abstract class Language
{
    public static Language Nothing { get; } = new NothingLanguage();

    public static Language Empty { get; } = new SequenceLanguage([]);

    public bool IsNothing => this is NothingLanguage;

    public static Language Chars(CodePointSet set) => set.IsEmpty ? Nothing : new CharsLanguage(set);

    public static Language Char(int codePoint) => Chars(CodePointSet.Single(codePoint));

    public static Language Literal(string text)
    {
        var parts = new List<Language>();
        foreach (System.Text.Rune rune in text.EnumerateRunes())
        {
            parts.Add(Char(rune.Value));
        }

        return Sequence([.. parts]);
    }

    public static Language Sequence(params Language[] parts)
    {
        var flat = new List<Language>();
        foreach (Language part in parts)
        {
            if (part.IsNothing)
            {
                return Nothing;
            }

            if (part is SequenceLanguage s)
            {
                flat.AddRange(s.Parts);
            }
            else
            {
                flat.Add(part);
            }
        }

        return flat.Count == 1 ? flat[0] : new SequenceLanguage([.. flat]);
    }

    public static Language Choice(params Language[] options)
    {
        var flat = new List<Language>();
        foreach (Language option in options)
        {
            if (option is ChoiceLanguage c)
            {
                flat.AddRange(c.Options);
            }
            else if (!option.IsNothing)
            {
                flat.Add(option);
            }
        }

        return flat.Count switch
        {
            0 => Nothing,
            1 => flat[0],
            _ => new ChoiceLanguage([.. flat]),
        };
    }

    public static Language Optional(Language part) => Choice(part, Empty);

    /// <summary>Ordered members joined by <paramref name="separator"/>; optional ones may be left out.</summary>
    public static Language Ordered(IReadOnlyList<(Language Member, bool Required)> members, Language separator)
    {
        if (members.Any(m => m.Required && m.Member.IsNothing))
        {
            return Nothing;
        }

        var possible = members.Where(m => !m.Member.IsNothing).ToList();
        return possible.Count == 0 ? Empty : new MembersLanguage(possible, separator);
    }

    /// <summary>Between <paramref name="min"/> and <paramref name="max"/> (unbounded when null) repetitions.</summary>
    public static Language Repeat(Language part, int min, int? max)
    {
        if (max < min)
        {
            return Nothing;
        }

        if (part.IsNothing)
        {
            return min == 0 ? Empty : Nothing;
        }

        return (min, max) switch
        {
            (_, 0) => Empty,
            (1, 1) => part,
            _ => new RepeatLanguage(part, min, max),
        };
    }
}

internal sealed class NothingLanguage : Language;

internal sealed class CharsLanguage(CodePointSet set) : Language
{
    public CodePointSet Set { get; } = set;
}

internal sealed class SequenceLanguage(Language[] parts) : Language
{
    public Language[] Parts { get; } = parts;
}

internal sealed class ChoiceLanguage(Language[] options) : Language
{
    public Language[] Options { get; } = options;
}

internal sealed class RepeatLanguage(Language part, int min, int? max) : Language
{
    public Language Part { get; } = part;

    public int Min { get; } = min;

    public int? Max { get; } = max;
}

/// <summary>
/// Members in a fixed order, each required or optional, with a separator between the ones present (JSON object
/// properties). Kept as one node so the automaton needs each member once, instead of once per possible predecessor.
/// </summary>
internal sealed class MembersLanguage(IReadOnlyList<(Language Member, bool Required)> members, Language separator) : Language
{
    public IReadOnlyList<(Language Member, bool Required)> Members { get; } = members;

    public Language Separator { get; } = separator;
}
