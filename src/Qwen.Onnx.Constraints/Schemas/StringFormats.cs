using Qwen.Onnx.Constraints.Languages;
using Qwen.Onnx.Constraints.Patterns;

namespace Qwen.Onnx.Constraints.Schemas;

/// <summary>
/// The <c>format</c> values a string may be constrained to, each as a regular language that accepts only valid
/// values (a conservative subset: dates of years 1000–9999 without 29 February, times without leap seconds, plain
/// dot-atom e-mail addresses), so any output passes a strict format validator.
/// </summary>
internal static class StringFormats
{
    private const string Date = "[1-9][0-9]{3}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))";
    private const string Time = "(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]{1,6})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])";
    private const string Hex = "[0-9a-f]";

    private static readonly Dictionary<string, string> Patterns = new(StringComparer.Ordinal)
    {
        ["date"] = Date,
        ["time"] = Time,
        ["date-time"] = Date + "T" + Time,
        ["uuid"] = $"{Hex}{{8}}-{Hex}{{4}}-{Hex}{{4}}-{Hex}{{4}}-{Hex}{{12}}",
        ["email"] = "[A-Za-z0-9]{1,16}(?:[._+-][A-Za-z0-9]{1,16}){0,2}@[A-Za-z0-9]{1,16}(?:-[A-Za-z0-9]{1,16})?(?:\\.[A-Za-z]{2,8}){1,2}",
    };

    private static readonly Dictionary<string, Language> Parsed = Patterns.ToDictionary(p => p.Key, p => RegexParser.Parse(p.Value), StringComparer.Ordinal);

    /// <summary>ASCII letters and digits: what the parts of an e-mail address (and most identifier patterns) are made of.</summary>
    public static CodePointSet LettersAndDigits { get; } = CodePointSet.Of(('0', '9'), ('A', 'Z'), ('a', 'z'));

    /// <summary>ASCII letters: an e-mail address's top-level domain.</summary>
    public static CodePointSet Letters { get; } = CodePointSet.Of(('A', 'Z'), ('a', 'z'));

    public static IEnumerable<string> Names => Patterns.Keys;

    public static Language? Find(string format) => Parsed.GetValueOrDefault(format);
}
