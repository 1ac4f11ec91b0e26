namespace Qwen.Onnx;

/// <summary>
/// Separates Qwen3's reasoning from its answer: a thinking model writes <c>&lt;think&gt;</c> … <c>&lt;/think&gt;</c>
/// before the answer (some templates open the block in the prompt, so the answer holds only the closing tag).
/// </summary>
public static class ThinkingMarkup
{
    /// <summary>The tag that opens the reasoning.</summary>
    public const string Open = "<think>";

    /// <summary>The tag that closes the reasoning.</summary>
    public const string Close = "</think>";

    /// <summary>Splits an answer into its reasoning and the rest.</summary>
    /// <param name="text">The model's answer.</param>
    /// <returns>The reasoning (trimmed; <see langword="null"/> when there is no thinking block, possibly empty when
    /// thinking was switched off) and the answer after it (leading whitespace removed when there was a block).</returns>
    public static (string? Reasoning, string Answer) Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.TrimStart();
        bool opened = trimmed.StartsWith(Open, StringComparison.Ordinal);
        int start = opened ? text.Length - trimmed.Length + Open.Length : 0;
        int end = text.IndexOf(Close, start, StringComparison.Ordinal);
        if (end < 0)
        {
            // An unfinished block (the answer was cut off while thinking) is all reasoning.
            return opened ? (text[start..].Trim(), string.Empty) : (null, text);
        }

        return (text[start..end].Trim(), text[(end + Close.Length)..].TrimStart());
    }
}
