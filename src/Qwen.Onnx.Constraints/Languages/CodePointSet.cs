namespace Qwen.Onnx.Constraints.Languages;

/// <summary>
/// A set of Unicode scalar values as sorted, disjoint, non-adjacent ranges. Surrogate code points (U+D800–U+DFFF) are
/// never members: they have no UTF-8 encoding, so a language over text cannot contain them.
/// </summary>
internal sealed class CodePointSet
{
    public const int MaxCodePoint = 0x10FFFF;

    private static readonly (int Lo, int Hi)[] Surrogates = [(0xD800, 0xDFFF)];

    private CodePointSet((int Lo, int Hi)[] ranges) => Ranges = ranges;

    public static CodePointSet None { get; } = new([]);

    public static CodePointSet Any { get; } = Of((0, MaxCodePoint));

    public IReadOnlyList<(int Lo, int Hi)> Ranges { get; }

    public bool IsEmpty => Ranges.Count == 0;

    public static CodePointSet Of(params (int Lo, int Hi)[] ranges) => new(Normalise(ranges));

    public static CodePointSet Single(int codePoint) => Of((codePoint, codePoint));

    public bool Contains(int codePoint) => Ranges.Any(r => r.Lo <= codePoint && codePoint <= r.Hi);

    public CodePointSet Union(CodePointSet other) => new(Normalise([.. Ranges, .. other.Ranges]));

    public CodePointSet Complement()
    {
        var result = new List<(int, int)>();
        int next = 0;
        foreach ((int lo, int hi) in Ranges)
        {
            if (lo > next)
            {
                result.Add((next, lo - 1));
            }

            next = hi + 1;
        }

        if (next <= MaxCodePoint)
        {
            result.Add((next, MaxCodePoint));
        }

        return new(Normalise([.. result]));
    }

    public CodePointSet Except(CodePointSet other) => Intersect(other.Complement());

    public CodePointSet Intersect(CodePointSet other) => Complement().Union(other.Complement()).Complement();

    private static (int Lo, int Hi)[] Normalise((int Lo, int Hi)[] ranges)
    {
        var sorted = ranges.Where(r => r.Lo <= r.Hi).OrderBy(r => r.Lo).ToList();
        var merged = new List<(int Lo, int Hi)>();
        foreach ((int lo, int hi) in sorted)
        {
            if (merged.Count > 0 && lo <= merged[^1].Hi + 1)
            {
                merged[^1] = (merged[^1].Lo, Math.Max(merged[^1].Hi, hi));
            }
            else
            {
                merged.Add((lo, hi));
            }
        }

        // Cut the surrogate block out of every range.
        var result = new List<(int, int)>();
        foreach ((int lo, int hi) in merged)
        {
            int start = Math.Max(lo, 0);
            int end = Math.Min(hi, MaxCodePoint);
            foreach ((int sLo, int sHi) in Surrogates)
            {
                if (start < sLo && end >= sLo)
                {
                    result.Add((start, sLo - 1));
                    start = sHi + 1;
                }
                else if (start >= sLo && start <= sHi)
                {
                    start = sHi + 1;
                }
            }

            if (start <= end)
            {
                result.Add((start, end));
            }
        }

        return [.. result];
    }
}
