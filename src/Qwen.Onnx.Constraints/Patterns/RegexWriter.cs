using System.Globalization;
using System.Text;
using Qwen.Onnx.Constraints.Languages;

namespace Qwen.Onnx.Constraints.Patterns;

/// <summary>
/// Writes a <see cref="Language"/> as a regular expression in the syntax of Rust's regex crate (what llguidance, and
/// so ONNX Runtime GenAI's guidance, reads), so GenAI constrains to exactly the language this package compiles.
/// </summary>
internal static class RegexWriter
{
    public static string Write(Language language)
    {
        var text = new StringBuilder();
        Append(language, text);
        return text.ToString();
    }

    private static void Append(Language language, StringBuilder text)
    {
        switch (language)
        {
            case CharsLanguage chars:
                AppendSet(chars.Set, text);
                break;
            case SequenceLanguage sequence when sequence.Parts.Length == 0:
                text.Append("(?:)");
                break;
            case SequenceLanguage sequence:
                foreach (Language part in sequence.Parts)
                {
                    AppendGrouped(part, text);
                }

                break;
            case ChoiceLanguage choice:
                text.Append("(?:");
                for (int i = 0; i < choice.Options.Length; i++)
                {
                    text.Append(i == 0 ? string.Empty : "|");
                    Append(choice.Options[i], text);
                }

                text.Append(')');
                break;
            case RepeatLanguage repeat:
                AppendGrouped(repeat.Part, text, always: true);
                text.Append(CultureInfo.InvariantCulture, $"{{{repeat.Min},{repeat.Max?.ToString(CultureInfo.InvariantCulture)}}}");
                break;
            case MembersLanguage members:
                Append(Expand(members), text);
                break;
            default:
                throw new InvalidOperationException("An impossible language cannot be written as a regular expression.");
        }
    }

    /// <summary>Members as plain choices: which member comes first, then each later one with its separator.</summary>
    private static Language Expand(MembersLanguage members)
    {
        var list = members.Members;
        int firstRequired = Enumerable.Range(0, list.Count).FirstOrDefault(i => list[i].Required, list.Count);
        var options = new List<Language>();
        for (int first = 0; first <= Math.Min(firstRequired, list.Count - 1); first++)
        {
            var parts = new List<Language> { list[first].Member };
            for (int i = first + 1; i < list.Count; i++)
            {
                Language next = Language.Sequence(members.Separator, list[i].Member);
                parts.Add(list[i].Required ? next : Language.Optional(next));
            }

            options.Add(Language.Sequence([.. parts]));
        }

        if (firstRequired == list.Count)
        {
            options.Add(Language.Empty);
        }

        return Language.Choice([.. options]);
    }

    private static void AppendGrouped(Language part, StringBuilder text, bool always = false)
    {
        bool group = part is ChoiceLanguage ? false : always && part is not CharsLanguage;
        if (group)
        {
            text.Append("(?:");
        }

        Append(part, text);
        if (group)
        {
            text.Append(')');
        }
    }

    private static void AppendSet(CodePointSet set, StringBuilder text)
    {
        if (set.Ranges is [var only] && only.Lo == only.Hi)
        {
            AppendChar(only.Lo, text);
            return;
        }

        text.Append('[');
        foreach ((int lo, int hi) in set.Ranges)
        {
            AppendChar(lo, text);
            if (hi != lo)
            {
                text.Append('-');
                AppendChar(hi, text);
            }
        }

        text.Append(']');
    }

    private static void AppendChar(int codePoint, StringBuilder text)
    {
        if (codePoint < 128 && char.IsAsciiLetterOrDigit((char)codePoint))
        {
            text.Append((char)codePoint);
        }
        else
        {
            text.Append(CultureInfo.InvariantCulture, $"\\x{{{codePoint:X}}}");
        }
    }
}
