using System.Text;

namespace Qwen.Onnx.Extensions.AI;

/// <summary>
/// Splits streamed text into Qwen3's reasoning and its answer: text inside <c>&lt;think&gt;</c> … <c>&lt;/think&gt;</c>
/// is reasoning, and the whitespace between the block and the answer is dropped. When the prompt itself opened the
/// block, the stream starts inside it.
/// </summary>
internal sealed class ReasoningStreamSplitter(bool startsInReasoning)
{
    private readonly StringBuilder _undecided = new();
    private State _state = startsInReasoning ? State.Reasoning : State.Undecided;

    private enum State
    {
        Undecided,
        Reasoning,
        AnswerStart,
        Answer,
    }

    /// <summary>Routes one piece of streamed text.</summary>
    public (string Reasoning, string Answer) Push(string text)
    {
        if (_state == State.Undecided)
        {
            _undecided.Append(text);
            string held = _undecided.ToString();
            string trimmed = held.TrimStart();
            if (trimmed.Length == 0 || (trimmed.Length < ThinkingMarkup.Open.Length && ThinkingMarkup.Open.StartsWith(trimmed, StringComparison.Ordinal)))
            {
                return (string.Empty, string.Empty);
            }

            _undecided.Clear();
            if (!trimmed.StartsWith(ThinkingMarkup.Open, StringComparison.Ordinal))
            {
                _state = State.Answer;
                return (string.Empty, held);
            }

            _state = State.Reasoning;
            text = trimmed[ThinkingMarkup.Open.Length..];
        }

        if (_state == State.Reasoning)
        {
            int end = text.IndexOf(ThinkingMarkup.Close, StringComparison.Ordinal);
            if (end < 0)
            {
                return (text, string.Empty);
            }

            _state = State.AnswerStart;
            return (text[..end], AnswerText(text[(end + ThinkingMarkup.Close.Length)..]));
        }

        return (string.Empty, AnswerText(text));
    }

    /// <summary>Text still held when the stream ends (an answer too short to decide on).</summary>
    public string Flush()
    {
        string held = _undecided.ToString();
        _undecided.Clear();
        return held;
    }

    private string AnswerText(string text)
    {
        if (_state == State.AnswerStart)
        {
            text = text.TrimStart();
            _state = text.Length > 0 ? State.Answer : State.AnswerStart;
        }

        return text;
    }
}
