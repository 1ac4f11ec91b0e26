namespace Qwen.Onnx;

/// <summary>
/// One step of a streamed answer: the text that became complete with this token (possibly empty while a
/// multi-byte character or a possible stop sequence is still pending). The last update carries
/// <see cref="Completion"/>: finish reason, usage and timings.
/// </summary>
public sealed class QwenChatResponseUpdate
{
    /// <summary>Creates an update.</summary>
    /// <param name="text">The new text.</param>
    /// <param name="tokenId">The generated token, or -1 for a final update that carries no token.</param>
    /// <param name="completion">Set on the last update only.</param>
    public QwenChatResponseUpdate(string text, int tokenId, QwenCompletion? completion = null)
    {
        Text = text;
        TokenId = tokenId;
        Completion = completion;
    }

    /// <summary>The text that became complete with this token.</summary>
    public string Text { get; }

    /// <summary>The generated token, or -1 for a final update that carries no token.</summary>
    public int TokenId { get; }

    /// <summary>Finish reason, usage and timings; set on the last update only.</summary>
    public QwenCompletion? Completion { get; }

    /// <summary>Why generation ended; set on the last update only.</summary>
    public FinishReason? FinishReason => Completion?.FinishReason;
}

/// <summary>How a generation ended.</summary>
/// <param name="FinishReason">Why it ended.</param>
/// <param name="Usage">Token counts.</param>
/// <param name="Timings">Where the time went.</param>
public sealed record QwenCompletion(FinishReason FinishReason, QwenUsage Usage, GenerationTimings Timings)
{
    /// <summary>
    /// Engine-specific stage times, when the engine measures them; empty otherwise. The multimodal engine reports
    /// preprocess, vision, audio, embed (embedding the prompt and merging the encoder features), prefill (the decoder's
    /// run over the prompt), decode_run (time inside ONNX Runtime during decoding), sample (time choosing tokens) and, with a
    /// <see cref="ResponseFormat"/>, constraint (time its token masks added).
    /// </summary>
    public IReadOnlyDictionary<string, TimeSpan> Stages { get; init; } = new Dictionary<string, TimeSpan>();

    /// <summary>Whether a <see cref="ResponseFormat"/> constraint shaped the answer.</summary>
    public bool Constrained { get; init; }

    /// <summary>
    /// Whether the answer stopped before the constrained value was complete (for JSON: the text does not parse yet),
    /// typically with <see cref="FinishReason.Length"/> when <see cref="GenerationOptions.MaxNewTokens"/> ran out.
    /// </summary>
    public bool Incomplete { get; init; }
}
