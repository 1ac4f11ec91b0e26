namespace Qwen.Onnx;

/// <summary>
/// One step of a streamed answer: the text that became complete with this token (possibly empty while a
/// multi-byte character or a possible stop sequence is still pending). The last update carries
/// <see cref="FinishReason"/>, <see cref="Usage"/> and <see cref="Timings"/>.
/// </summary>
public sealed class QwenChatResponseUpdate
{
    /// <summary>Creates an update.</summary>
    /// <param name="text">The new text.</param>
    /// <param name="tokenId">The generated token, or -1 for a final update that carries no token.</param>
    public QwenChatResponseUpdate(string text, int tokenId)
    {
        Text = text;
        TokenId = tokenId;
    }

    /// <summary>The text that became complete with this token.</summary>
    public string Text { get; }

    /// <summary>The generated token, or -1 for a final update that carries no token.</summary>
    public int TokenId { get; }

    /// <summary>Set on the last update only.</summary>
    public FinishReason? FinishReason { get; init; }

    /// <summary>Set on the last update only.</summary>
    public QwenUsage? Usage { get; init; }

    /// <summary>Set on the last update only.</summary>
    public GenerationTimings? Timings { get; init; }
}
