using System.Text;

namespace Qwen.Onnx.Generation;

/// <summary>
/// Finds stop sequences in streamed text even when they span several tokens. Text that could still be the
/// start of a stop sequence is held back until it is known not to be; matched stop text is never emitted.
/// </summary>
public sealed class StopSequenceMatcher
{
    private readonly string[] _stops;
    private readonly StringBuilder _pending = new();

    /// <summary>Creates a matcher.</summary>
    /// <param name="stopSequences">The stop sequences; may be empty.</param>
    public StopSequenceMatcher(IReadOnlyList<string> stopSequences)
    {
        ArgumentNullException.ThrowIfNull(stopSequences);
        _stops = [.. stopSequences];
    }

    /// <summary>Adds text and returns the part that is safe to emit.</summary>
    /// <param name="text">New text.</param>
    /// <param name="stopped">True when a stop sequence was found; the returned text ends just before it.</param>
    public string Push(string text, out bool stopped)
    {
        stopped = false;
        if (_stops.Length == 0)
        {
            return text;
        }

        _pending.Append(text);
        string pending = _pending.ToString();
        int first = -1;
        foreach (string stop in _stops)
        {
            int at = pending.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (first < 0 || at < first))
            {
                first = at;
            }
        }

        if (first >= 0)
        {
            stopped = true;
            _pending.Clear();
            return pending[..first];
        }

        int hold = LongestSuffixThatStartsAStop(pending);
        _pending.Clear().Append(pending, pending.Length - hold, hold);
        return pending[..^hold];
    }

    /// <summary>Releases held-back text at the end of generation.</summary>
    public string Flush()
    {
        string rest = _pending.ToString();
        _pending.Clear();
        return rest;
    }

    private int LongestSuffixThatStartsAStop(string text)
    {
        int best = 0;
        foreach (string stop in _stops)
        {
            for (int length = Math.Min(stop.Length - 1, text.Length); length > best; length--)
            {
                if (text.AsSpan(text.Length - length).SequenceEqual(stop.AsSpan(0, length)))
                {
                    best = length;
                    break;
                }
            }
        }

        return best;
    }
}
