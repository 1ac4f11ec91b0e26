namespace Qwen.Onnx;

/// <summary>A complete answer.</summary>
public sealed class QwenChatResponse
{
    /// <summary>Creates a response.</summary>
    /// <param name="text">The answer text (stop sequences removed).</param>
    /// <param name="tokenIds">Every generated token, the end-of-turn token included.</param>
    /// <param name="finishReason">Why generation ended.</param>
    /// <param name="usage">Token counts.</param>
    /// <param name="timings">Where the time went.</param>
    public QwenChatResponse(string text, IReadOnlyList<int> tokenIds, FinishReason finishReason, QwenUsage usage, GenerationTimings timings)
    {
        Text = text;
        TokenIds = tokenIds;
        FinishReason = finishReason;
        Usage = usage;
        Timings = timings;
    }

    /// <summary>The answer text, tool-call markup included.</summary>
    public string Text { get; }

    /// <summary>Qwen3's reasoning (its <c>&lt;think&gt;</c> block, see <see cref="ThinkingMarkup"/>); <see langword="null"/> when the answer has none.</summary>
    public string? Reasoning => Thinking.Reasoning;

    /// <summary>
    /// The function calls in the answer after any reasoning (when the request offered
    /// <see cref="QwenChatRequest.Tools"/>), read from its <c>&lt;tool_call&gt;</c> blocks by
    /// <see cref="ToolCallMarkup.Extract"/>; empty when there are none.
    /// </summary>
    public IReadOnlyList<QwenToolCall> ToolCalls => field ??= ToolCallMarkup.Extract(Thinking.Answer).Calls;

    // The text never changes, so it is split once, on first use.
    private (string? Reasoning, string Answer) Thinking => field.Answer is null ? (field = ThinkingMarkup.Split(Text)) : field;

    /// <summary>Every generated token id.</summary>
    public IReadOnlyList<int> TokenIds { get; }

    /// <summary>Why generation ended.</summary>
    public FinishReason FinishReason { get; }

    /// <summary>Token counts.</summary>
    public QwenUsage Usage { get; }

    /// <summary>Where the time went.</summary>
    public GenerationTimings Timings { get; }

    /// <summary>Whether a <see cref="ResponseFormat"/> constraint shaped the answer.</summary>
    public bool Constrained { get; init; }

    /// <summary>Whether the answer stopped before the constrained value was complete (see <see cref="QwenCompletion.Incomplete"/>).</summary>
    public bool Incomplete { get; init; }

    /// <inheritdoc />
    public override string ToString() => Text;
}
