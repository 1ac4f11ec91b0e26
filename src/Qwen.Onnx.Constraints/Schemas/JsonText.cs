using Qwen.Onnx.Constraints.Languages;

namespace Qwen.Onnx.Constraints.Schemas;

/// <summary>
/// The building blocks of compact JSON text: strings (with escapes), bounded numbers, and any value to a fixed
/// nesting depth. Compact means no whitespace at all between tokens, so a model cannot pad.
/// </summary>
internal static class JsonText
{
    /// <summary>How deeply an unconstrained value may nest objects and arrays.</summary>
    public const int AnyValueDepth = 3;

    private static readonly string[] ShortEscapes = ["\\b", "\\f", "\\n", "\\r", "\\t"];
    private static readonly CodePointSet Controls = CodePointSet.Of((0, 0x1F));
    private static readonly Language HexDigit = Language.Chars(CodePointSet.Of(('0', '9'), ('A', 'F'), ('a', 'f')));
    private static readonly Language Digit = Language.Chars(CodePointSet.Of(('0', '9')));
    private static readonly Language NonZeroDigit = Language.Chars(CodePointSet.Of(('1', '9')));

    /// <summary>The characters a string holds as themselves (all but '"', '\' and the controls, which are escaped).</summary>
    public static CodePointSet Raw { get; } = CodePointSet.Of((0x20, 0x21), (0x23, 0x5B), (0x5D, CodePointSet.MaxCodePoint));

    /// <summary>Any one character of a string's content, raw or escaped (a surrogate pair escape counts as one).</summary>
    public static Language AnyCharacter { get; } = Language.Choice(
        Encode(CodePointSet.Any),
        Language.Literal("\\/"),
        Language.Sequence(Language.Literal("\\u"), NonSurrogateHex()),
        Language.Sequence(Language.Literal("\\u"), HexStarting("dD", "89abAB"), Language.Literal("\\u"), HexStarting("dD", "cdefCDEF")));

    /// <summary>
    /// A double: at most 16 integer digits, 16 fraction digits and a two-digit exponent, so it is short and always
    /// parses as a finite double.
    /// </summary>
    public static Language Number { get; } = Language.Sequence(
        Language.Optional(Language.Literal("-")),
        Language.Choice(Language.Literal("0"), Language.Sequence(NonZeroDigit, Language.Repeat(Digit, 0, 15))),
        Language.Optional(Language.Sequence(Language.Literal("."), Language.Repeat(Digit, 1, 16))),
        Language.Optional(Language.Sequence(Language.Chars(CodePointSet.Of(('E', 'E'), ('e', 'e'))), Language.Optional(Language.Chars(CodePointSet.Of(('+', '+'), ('-', '-')))), Language.Repeat(Digit, 1, 2))));

    /// <summary>Any JSON string.</summary>
    public static Language String(int minLength = 0, int? maxLength = null) =>
        Quoted(Language.Repeat(AnyCharacter, minLength, maxLength));

    /// <summary>A string whose decoded content is in <paramref name="content"/> (written raw or with the required escapes).</summary>
    public static Language Quoted(Language content) => Language.Sequence(Language.Literal("\""), content, Language.Literal("\""));

    /// <summary>A language over decoded text turned into the JSON-escaped form of that text.</summary>
    public static Language Escaped(Language content) => content switch
    {
        CharsLanguage chars => Encode(chars.Set),
        SequenceLanguage s => Language.Sequence([.. s.Parts.Select(Escaped)]),
        ChoiceLanguage c => Language.Choice([.. c.Options.Select(Escaped)]),
        RepeatLanguage r => Language.Repeat(Escaped(r.Part), r.Min, r.Max),
        _ => content,
    };

    /// <summary>Any JSON value, objects and arrays nested at most <paramref name="depth"/> deep.</summary>
    public static Language AnyValue(int depth = AnyValueDepth)
    {
        var scalars = new List<Language> { String(), Number, Language.Literal("true"), Language.Literal("false"), Language.Literal("null") };
        if (depth > 0)
        {
            scalars.Add(AnyObject(depth));
            scalars.Add(Array(AnyValue(depth - 1), 0, null));
        }

        return Language.Choice([.. scalars]);
    }

    /// <summary>Any JSON object, nested at most <paramref name="depth"/> deep.</summary>
    public static Language AnyObject(int depth = AnyValueDepth)
    {
        Language member = Language.Sequence(String(), Language.Literal(":"), AnyValue(depth - 1));
        return Language.Sequence(Language.Literal("{"), Language.Optional(Language.Sequence(member, Language.Repeat(Language.Sequence(Language.Literal(","), member), 0, null))), Language.Literal("}"));
    }

    /// <summary>An array of <paramref name="min"/> to <paramref name="max"/> items.</summary>
    public static Language Array(Language item, int min, int? max)
    {
        Language rest = Language.Repeat(Language.Sequence(Language.Literal(","), item), Math.Max(0, min - 1), max - 1);
        Language items = Language.Sequence(item, rest);
        return Language.Sequence(Language.Literal("["), min == 0 ? Language.Optional(items) : items, Language.Literal("]"));
    }

    private static Language Encode(CodePointSet set)
    {
        var options = new List<Language> { Language.Chars(set.Intersect(Raw)) };
        CodePointSet escaped = set.Except(Raw);
        if (escaped.Intersect(Controls).Ranges.SequenceEqual(Controls.Ranges))
        {
            // All 32 control characters as one \u00XX branch instead of 32 literals (a smaller automaton).
            options.Add(Language.Sequence(Language.Literal("\\u00"), Language.Chars(CodePointSet.Of(('0', '1'))), HexDigit));
            options.AddRange(ShortEscapes.Select(Language.Literal));
            escaped = escaped.Except(Controls);
        }

        foreach ((int lo, int hi) in escaped.Ranges)
        {
            for (int c = lo; c <= hi; c++)
            {
                options.Add(Language.Literal(c switch
                {
                    '"' => "\\\"",
                    '\\' => "\\\\",
                    '\b' => "\\b",
                    '\f' => "\\f",
                    '\n' => "\\n",
                    '\r' => "\\r",
                    '\t' => "\\t",
                    _ => $"\\u{c:x4}",
                }));
            }
        }

        return Language.Choice([.. options]);
    }

    private static Language NonSurrogateHex() => Language.Choice(
        Language.Sequence(Language.Chars(CodePointSet.Of(('0', '9'), ('a', 'c'), ('A', 'C'), ('e', 'f'), ('E', 'F'))), Language.Repeat(HexDigit, 3, 3)),
        Language.Sequence(Language.Chars(CodePointSet.Of(('d', 'd'), ('D', 'D'))), Language.Chars(CodePointSet.Of(('0', '7'))), Language.Repeat(HexDigit, 2, 2)));

    private static Language HexStarting(string first, string second) => Language.Sequence(
        Language.Chars(CodePointSet.Of([.. first.Select(c => ((int)c, (int)c))])),
        Language.Chars(CodePointSet.Of([.. second.Select(c => ((int)c, (int)c))])),
        Language.Repeat(HexDigit, 2, 2));
}
