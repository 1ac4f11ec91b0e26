using System.Globalization;
using Qwen.Onnx.Constraints.Languages;

namespace Qwen.Onnx.Constraints.Patterns;

/// <summary>
/// Parses a regular expression (the ECMAScript subset JSON Schema patterns use: literals, <c>.</c>, classes with ranges
/// and negation, <c>\d \w \s</c> and their negations, groups, alternation, <c>* + ? {n} {n,} {n,m}</c>) into a
/// <see cref="Language"/>. The whole text must match: a leading <c>^</c> and a trailing <c>$</c> are accepted and
/// change nothing. Features a finite automaton cannot express (backreferences, lookaround, word boundaries) throw
/// <see cref="NotSupportedException"/>.
/// </summary>
internal sealed class RegexParser
{
    private static readonly CodePointSet Digits = CodePointSet.Of(('0', '9'));
    private static readonly CodePointSet Word = CodePointSet.Of(('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z'));
    private static readonly CodePointSet Space = CodePointSet.Of(('\t', '\r'), (' ', ' '), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A), (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000), (0xFEFF, 0xFEFF));
    private static readonly CodePointSet AnyButNewline = CodePointSet.Of(('\n', '\n'), ('\r', '\r'), (0x2028, 0x2029)).Complement();

    private readonly string _pattern;
    private int _at;

    private RegexParser(string pattern) => _pattern = pattern;

    public static Language Parse(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var parser = new RegexParser(pattern);
        if (parser.Peek('^'))
        {
            parser._at++;
        }

        Language result = parser.Alternation();
        if (parser._at < pattern.Length)
        {
            throw parser.Error(pattern[parser._at] == ')' ? "an unmatched ')'" : $"'{pattern[parser._at]}'");
        }

        return result;
    }

    private bool Peek(char c) => _at < _pattern.Length && _pattern[_at] == c;

    private bool AtEnd => _at >= _pattern.Length;

    private ArgumentException Error(string what) => new($"The regular expression '{_pattern}' has {what} at position {_at}.");

    private static NotSupportedException Unsupported(string pattern, string feature) =>
        new($"The regular expression '{pattern}' uses {feature}, which a finite automaton cannot express; rewrite it without.");

    private Language Alternation()
    {
        var options = new List<Language> { Concatenation() };
        while (Peek('|'))
        {
            _at++;
            options.Add(Concatenation());
        }

        return Language.Choice([.. options]);
    }

    private Language Concatenation()
    {
        var parts = new List<Language>();
        while (!AtEnd && !Peek('|') && !Peek(')'))
        {
            if (Peek('$') && _at == _pattern.Length - 1)
            {
                _at++;
                break;
            }

            parts.Add(Quantified(Atom()));
        }

        return Language.Sequence([.. parts]);
    }

    private Language Quantified(Language atom)
    {
        while (!AtEnd)
        {
            (int min, int? max)? q = _pattern[_at] switch
            {
                '*' => (0, null),
                '+' => (1, null),
                '?' => (0, 1),
                '{' => Braces(),
                _ => null,
            };
            if (q is not { } bounds)
            {
                return atom;
            }

            _at++;
            if (Peek('?'))
            {
                _at++; // A lazy quantifier matches the same language.
            }

            atom = Language.Repeat(atom, bounds.min, bounds.max);
        }

        return atom;
    }

    /// <summary>Reads <c>{n}</c>, <c>{n,}</c> or <c>{n,m}</c> up to its closing brace (left for the caller to skip).</summary>
    private (int, int?)? Braces()
    {
        int close = _pattern.IndexOf('}', _at);
        string[] parts = close < 0 ? [] : _pattern[(_at + 1)..close].Split(',');
        if (parts.Length is < 1 or > 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int min))
        {
            throw Error("a malformed {n,m} quantifier");
        }

        int? max = min;
        if (parts.Length == 2)
        {
            max = parts[1].Length == 0 ? null
                : int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int m) && m >= min ? m
                : throw Error("a malformed {n,m} quantifier");
        }

        _at = close;
        return (min, max);
    }

    private Language Atom()
    {
        char c = _pattern[_at++];
        switch (c)
        {
            case '(':
                return Group();
            case '[':
                return Language.Chars(Class());
            case '.':
                return Language.Chars(AnyButNewline);
            case '\\':
                return Language.Chars(Escape(inClass: false));
            case '^' or '$':
                throw Unsupported(_pattern, $"an anchor '{c}' inside the pattern");
            case '*' or '+' or '?' or '{':
                throw Error($"a quantifier '{c}' with nothing to repeat");
            default:
                _at--;
                return Language.Char(ReadCodePoint());
        }
    }

    private Language Group()
    {
        if (Peek('?'))
        {
            string rest = _pattern[_at..];
            if (rest.StartsWith("?:", StringComparison.Ordinal))
            {
                _at += 2;
            }
            else if (rest.StartsWith("?<", StringComparison.Ordinal) && !rest.StartsWith("?<=", StringComparison.Ordinal) && !rest.StartsWith("?<!", StringComparison.Ordinal))
            {
                _at = _pattern.IndexOf('>', _at) is int end and > 0 ? end + 1 : throw Error("an unterminated group name");
            }
            else
            {
                throw Unsupported(_pattern, "lookaround");
            }
        }

        Language inner = Alternation();
        if (!Peek(')'))
        {
            throw Error("an unclosed '('");
        }

        _at++;
        return inner;
    }

    private CodePointSet Class()
    {
        bool negate = Peek('^');
        if (negate)
        {
            _at++;
        }

        CodePointSet set = CodePointSet.None;
        bool first = true;
        while (!AtEnd && (first || !Peek(']')))
        {
            first = false;
            CodePointSet lo = ClassAtom();
            if (Peek('-') && _at + 1 < _pattern.Length && _pattern[_at + 1] != ']' && lo.Ranges is [var single] && single.Lo == single.Hi)
            {
                _at++;
                CodePointSet hi = ClassAtom();
                if (hi.Ranges is not [var end] || end.Lo != end.Hi || end.Lo < single.Lo)
                {
                    throw Error("an invalid class range");
                }

                lo = CodePointSet.Of((single.Lo, end.Lo));
            }

            set = set.Union(lo);
        }

        if (AtEnd)
        {
            throw Error("an unclosed '['");
        }

        _at++;
        return negate ? set.Complement() : set;
    }

    private CodePointSet ClassAtom()
    {
        if (Peek('\\'))
        {
            _at++;
            return Escape(inClass: true);
        }

        return CodePointSet.Single(ReadCodePoint());
    }

    private CodePointSet Escape(bool inClass)
    {
        if (AtEnd)
        {
            throw Error("a trailing backslash");
        }

        char c = _pattern[_at++];
        return c switch
        {
            'd' => Digits,
            'D' => Digits.Complement(),
            'w' => Word,
            'W' => Word.Complement(),
            's' => Space,
            'S' => Space.Complement(),
            'n' => CodePointSet.Single('\n'),
            'r' => CodePointSet.Single('\r'),
            't' => CodePointSet.Single('\t'),
            'f' => CodePointSet.Single('\f'),
            'v' => CodePointSet.Single('\v'),
            '0' => CodePointSet.Single(0),
            'b' when inClass => CodePointSet.Single('\b'),
            'x' => CodePointSet.Single(Hex(2)),
            'u' => CodePointSet.Single(Hex(4)),
            'b' or 'B' => throw Unsupported(_pattern, "a word boundary"),
            >= '1' and <= '9' => throw Unsupported(_pattern, "a backreference"),
            _ when char.IsAsciiLetterOrDigit(c) => throw Unsupported(_pattern, $"the escape '\\{c}'"),
            _ => CodePointSet.Single(c),
        };
    }

    private int Hex(int digits)
    {
        if (_at + digits > _pattern.Length || !int.TryParse(_pattern.AsSpan(_at, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int value))
        {
            throw Error("a malformed hexadecimal escape");
        }

        _at += digits;
        return value;
    }

    private int ReadCodePoint()
    {
        int value = char.ConvertToUtf32(_pattern, _at);
        _at += char.IsSurrogatePair(_pattern, _at) ? 2 : 1;
        return value;
    }
}
