using System.Text;

namespace Qwen.Onnx.Extensions.AI;

/// <summary>
/// Keeps tool-call markup out of streamed text: everything from the first <c>&lt;tool_call&gt;</c> on is held back
/// and read into calls when the answer ends (text that turns out not to be a call is released then).
/// </summary>
internal sealed class ToolCallStreamFilter
{
    private readonly StringBuilder _held = new();

    /// <summary>The part of <paramref name="text"/> that can be shown now.</summary>
    public string Push(string text)
    {
        if (_held.Length > 0)
        {
            _held.Append(text);
            return string.Empty;
        }

        int start = text.IndexOf(ToolCallMarkup.Open, StringComparison.Ordinal);
        if (start < 0)
        {
            return text;
        }

        _held.Append(text, start, text.Length - start);
        return text[..start];
    }

    /// <summary>The calls in the held text, and whatever of it was not a call.</summary>
    public (string Content, IReadOnlyList<QwenToolCall> Calls) Finish() => ToolCallMarkup.Extract(_held.ToString());
}
