namespace Qwen.Onnx.LlamaSharpBench;

/// <summary>Qwen's ChatML turns, at the token level.</summary>
internal static class ChatMl
{
    private const int ImEnd = 151645;

    /// <summary>The ids after the first turn's &lt;|im_end|&gt; and the newline that follows it.</summary>
    public static int[] WithoutSystemTurn(int[] ids)
    {
        int end = Array.IndexOf(ids, ImEnd);
        return end < 0 ? throw new ArgumentException("The prompt has no <|im_end|>.", nameof(ids)) : ids[(end + 2)..];
    }
}
