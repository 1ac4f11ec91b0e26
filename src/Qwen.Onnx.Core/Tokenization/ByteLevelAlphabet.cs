namespace Qwen.Onnx.Tokenization;

/// <summary>
/// GPT-2's byte-level alphabet used by Qwen's BPE: every byte is shown as one printable character
/// (space becomes 'Ġ', newline 'Ċ'), so a vocabulary entry is a string of such characters.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly Dictionary<char, byte> CharToByte = Build();

    /// <summary>Turns a vocabulary entry back into its bytes; false when it holds a character outside the alphabet.</summary>
    public static bool TryGetBytes(string token, List<byte> destination)
    {
        foreach (char c in token)
        {
            if (!CharToByte.TryGetValue(c, out byte b))
            {
                return false;
            }

            destination.Add(b);
        }

        return true;
    }

    private static Dictionary<char, byte> Build()
    {
        var map = new Dictionary<char, byte>(256);
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[(char)(printable ? b : next++)] = (byte)b;
        }

        return map;
    }
}
