using System.Diagnostics;
using Qwen.Onnx.Tokenization;

namespace Qwen.Onnx.Generation;

/// <summary>
/// The engine-independent half of a generation loop: turns each sampled token into a
/// <see cref="QwenChatResponseUpdate"/> (complete UTF-8 text, stop sequences, end-of-turn tokens, the token
/// limit) and builds the final update with usage and timings. One per request.
/// </summary>
public sealed class ResponseStreamer
{
    private readonly TokenStreamDecoder _decoder;
    private readonly StopSequenceMatcher _stops;
    private readonly HashSet<int> _endOfTurn;
    private readonly int _maxNewTokens;
    private readonly int _promptTokens;
    private readonly TimeSpan _load;
    private readonly long _started;
    private long _firstToken;

    /// <summary>Starts timing a request.</summary>
    /// <param name="tokenizer">Decodes tokens.</param>
    /// <param name="options">Stop sequences and the token limit.</param>
    /// <param name="endOfTurnTokenIds">Tokens that end the answer.</param>
    /// <param name="promptTokens">Length of the prompt, for usage.</param>
    /// <param name="load">The model's load time, for timings.</param>
    /// <param name="started">The <see cref="Stopwatch.GetTimestamp"/> at which the request began.</param>
    public ResponseStreamer(QwenTokenizer tokenizer, GenerationOptions options, IEnumerable<int> endOfTurnTokenIds, int promptTokens, TimeSpan load, long started)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(options);
        _decoder = tokenizer.CreateStreamDecoder();
        _stops = new StopSequenceMatcher(options.StopSequences);
        _endOfTurn = [.. endOfTurnTokenIds];
        _maxNewTokens = options.MaxNewTokens;
        _promptTokens = promptTokens;
        _load = load;
        _started = started;
    }

    /// <summary>Stage times the engine records; copied into the final <see cref="QwenCompletion"/>.</summary>
    public IDictionary<string, TimeSpan> Stages { get; } = new Dictionary<string, TimeSpan>();

    /// <summary>Prompt tokens the engine reused from an earlier request; reported in the final usage.</summary>
    public int CachedPromptTokens { get; set; }

    /// <summary>
    /// Set by an engine that constrains the answer: tells, when the last update is built, whether the constrained value
    /// is complete (<see cref="QwenCompletion.Constrained"/> and <see cref="QwenCompletion.Incomplete"/>).
    /// </summary>
    public Func<bool>? ConstraintComplete { get; set; }

    /// <summary>Tokens generated so far.</summary>
    public int CompletionTokens { get; private set; }

    /// <summary>Why generation must end, once it must.</summary>
    public FinishReason? Finish { get; private set; }

    /// <summary>Accounts for one generated token and returns its update; check <see cref="Finish"/> afterwards.</summary>
    /// <param name="tokenId">The token.</param>
    public QwenChatResponseUpdate OnToken(int tokenId)
    {
        if (CompletionTokens++ == 0)
        {
            _firstToken = Stopwatch.GetTimestamp();
        }

        if (_endOfTurn.Contains(tokenId))
        {
            Finish = FinishReason.Stop;
            return Final(_decoder.Flush() is { Length: > 0 } tail ? _stops.Push(tail, out _) + _stops.Flush() : _stops.Flush(), tokenId);
        }

        string text = _stops.Push(_decoder.Append(tokenId), out bool stopped);
        if (stopped)
        {
            Finish = FinishReason.Stop;
            return Final(text, tokenId);
        }

        if (CompletionTokens >= _maxNewTokens)
        {
            Finish = FinishReason.Length;
            return Final(text + _stops.Push(_decoder.Flush(), out _) + _stops.Flush(), tokenId);
        }

        return new QwenChatResponseUpdate(text, tokenId);
    }

    /// <summary>The last update when the engine itself ran out of room (context length) without a final token.</summary>
    public QwenChatResponseUpdate OnContextFull()
    {
        Finish = FinishReason.Length;
        return Final(_stops.Push(_decoder.Flush(), out _) + _stops.Flush(), -1);
    }

    private QwenChatResponseUpdate Final(string text, int tokenId)
    {
        long now = Stopwatch.GetTimestamp();
        long first = CompletionTokens == 0 ? now : _firstToken;
        var timings = new GenerationTimings(_load, Stopwatch.GetElapsedTime(_started, first), Stopwatch.GetElapsedTime(first, now), CompletionTokens);
        var completion = new QwenCompletion(Finish!.Value, new QwenUsage(_promptTokens, CompletionTokens) { CachedPromptTokens = CachedPromptTokens }, timings)
        {
            Stages = new Dictionary<string, TimeSpan>(Stages),
            Constrained = ConstraintComplete is not null,
            Incomplete = ConstraintComplete is { } complete && !complete(),
        };
        return new QwenChatResponseUpdate(text, tokenId, completion);
    }
}
