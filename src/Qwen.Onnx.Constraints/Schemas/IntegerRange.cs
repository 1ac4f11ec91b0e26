using System.Globalization;
using Qwen.Onnx.Constraints.Languages;

namespace Qwen.Onnx.Constraints.Schemas;

/// <summary>The decimal integers of a range [min, max] as a language: no leading zeros, no <c>-0</c>, nothing outside.</summary>
internal static class IntegerRange
{
    private static readonly Language Digit = Language.Chars(CodePointSet.Of(('0', '9')));

    public static Language Of(long min, long max)
    {
        if (min > max)
        {
            return Language.Nothing;
        }

        var parts = new List<Language>();
        if (min < 0)
        {
            ulong farthest = (ulong)(-(min + 1)) + 1;
            ulong nearest = max < 0 ? (ulong)(-(max + 1)) + 1 : 1;
            parts.Add(Language.Sequence(Language.Literal("-"), Magnitudes(nearest, farthest)));
        }

        if (max >= 0)
        {
            parts.Add(Magnitudes((ulong)Math.Max(min, 0), (ulong)max));
        }

        return Language.Choice([.. parts]);
    }

    private static Language Magnitudes(ulong lo, ulong hi)
    {
        var parts = new List<Language>();
        int fromLength = Digits(lo), toLength = Digits(hi);
        for (int n = fromLength; n <= toLength; n++)
        {
            ulong first = n == 1 ? 0 : Pow10(n - 1), last = Pow10(n) - 1;
            parts.Add(SameLength(Text(Math.Max(lo, first)), Text(Math.Min(hi, last))));
        }

        return Language.Choice([.. parts]);
    }

    /// <summary>The numbers from <paramref name="a"/> to <paramref name="b"/>, both written with the same number of digits.</summary>
    private static Language SameLength(string a, string b)
    {
        if (a == b)
        {
            return Language.Literal(a);
        }

        if (a[0] == b[0])
        {
            return Language.Sequence(Language.Char(a[0]), SameLength(a[1..], b[1..]));
        }

        int rest = a.Length - 1;
        if (a.AsSpan(1).IndexOfAnyExcept('0') < 0 && b.AsSpan(1).IndexOfAnyExcept('9') < 0)
        {
            return Language.Sequence(Language.Chars(CodePointSet.Of((a[0], b[0]))), Language.Repeat(Digit, rest, rest));
        }

        var options = new List<Language> { Language.Sequence(Language.Char(a[0]), SameLength(a[1..], new string('9', rest))) };
        if (b[0] - a[0] > 1)
        {
            options.Add(Language.Sequence(Language.Chars(CodePointSet.Of((a[0] + 1, b[0] - 1))), Language.Repeat(Digit, rest, rest)));
        }

        options.Add(Language.Sequence(Language.Char(b[0]), SameLength(new string('0', rest), b[1..])));
        return Language.Choice([.. options]);
    }

    private static string Text(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    private static int Digits(ulong value) => Text(value).Length;

    private static ulong Pow10(int n)
    {
        ulong result = 1;
        for (int i = 0; i < n; i++)
        {
            result *= 10;
        }

        return result;
    }
}
