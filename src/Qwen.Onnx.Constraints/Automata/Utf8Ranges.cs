namespace Qwen.Onnx.Constraints.Automata;

/// <summary>
/// Splits a range of Unicode scalar values into sequences of byte ranges, one byte range per UTF-8 byte, so that the
/// sequences match exactly the UTF-8 encodings of the range (no overlong forms, no surrogates).
/// </summary>
internal static class Utf8Ranges
{
    private static readonly int[] LengthBoundaries = [0x7F, 0x7FF, 0xFFFF];

    public static void Split(int lo, int hi, List<(byte Lo, byte Hi)[]> into)
    {
        foreach (int boundary in LengthBoundaries)
        {
            if (lo <= boundary && hi > boundary)
            {
                Split(lo, boundary, into);
                Split(boundary + 1, hi, into);
                return;
            }
        }

        if (hi <= 0x7F)
        {
            into.Add([((byte)lo, (byte)hi)]);
            return;
        }

        int length = EncodedLength(lo);
        for (int i = 1; i < length; i++)
        {
            // The continuation bytes below byte i must span their full range for one byte-range sequence to cover it.
            int mask = (1 << (6 * i)) - 1;
            if ((lo & ~mask) != (hi & ~mask))
            {
                if ((lo & mask) != 0)
                {
                    Split(lo, lo | mask, into);
                    Split((lo | mask) + 1, hi, into);
                    return;
                }

                if ((hi & mask) != mask)
                {
                    Split(lo, (hi & ~mask) - 1, into);
                    Split(hi & ~mask, hi, into);
                    return;
                }
            }
        }

        Span<byte> a = stackalloc byte[4], b = stackalloc byte[4];
        new System.Text.Rune(lo).EncodeToUtf8(a);
        new System.Text.Rune(hi).EncodeToUtf8(b);
        var sequence = new (byte, byte)[length];
        for (int i = 0; i < length; i++)
        {
            sequence[i] = (a[i], b[i]);
        }

        into.Add(sequence);
    }

    private static int EncodedLength(int codePoint) => codePoint switch
    {
        <= 0x7F => 1,
        <= 0x7FF => 2,
        <= 0xFFFF => 3,
        _ => 4,
    };
}
