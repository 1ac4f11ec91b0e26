using System.Text;

namespace Qwen.Onnx;

/// <summary>
/// Collects streamed updates into a <see cref="QwenChatResponse"/>; also gives the partial answer of a
/// stream that was cancelled (<see cref="FinishReason.Cancelled"/>).
/// </summary>
public sealed class QwenChatResponseBuilder
{
    private readonly StringBuilder _text = new();
    private readonly List<int> _tokens = [];
    private QwenChatResponseUpdate? _last;

    /// <summary>Adds one update.</summary>
    /// <param name="update">The update, in stream order.</param>
    public void Add(QwenChatResponseUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        _text.Append(update.Text);
        if (update.TokenId >= 0)
        {
            _tokens.Add(update.TokenId);
        }

        _last = update;
    }

    /// <summary>The response so far; a stream that ended without a final update counts as cancelled.</summary>
    /// <param name="promptTokens">Prompt tokens, used when the stream had no final update.</param>
    public QwenChatResponse Build(int promptTokens = 0) =>
        _last?.Completion is QwenCompletion done
            ? new QwenChatResponse(_text.ToString(), _tokens, done.FinishReason, done.Usage, done.Timings) { Constrained = done.Constrained, Incomplete = done.Incomplete }
            : new QwenChatResponse(_text.ToString(), _tokens, FinishReason.Cancelled, new QwenUsage(promptTokens, _tokens.Count), default);
}
