namespace Qwen.Onnx.FakeHub;

/// <summary>What the fake Hub does wrong on purpose; each one-shot fault is used up when it fires.</summary>
public sealed class HubFaults
{
    private int _serverErrors;
    private int _tooManyRequests;
    private (string Path, long AtByte)? _cut;

    /// <summary>A token the Hub demands (a gated repository): none sent → 401, another → 403.</summary>
    public string? RequiredToken { get; set; }

    /// <summary>Answer Range requests with 200 and the whole file.</summary>
    public bool IgnoreRange { get; set; }

    /// <summary>Serve this file with one byte flipped.</summary>
    public string? CorruptPath { get; set; }

    /// <summary>Serve this file slowly (64 KB every 20 ms), so a client can be stopped in the middle.</summary>
    public string? SlowPath { get; set; }

    /// <summary>Completes once half of <see cref="SlowPath"/> has been sent.</summary>
    public TaskCompletionSource SlowPathHalfSent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Seconds sent in Retry-After with a 429.</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>Drops the connection of the next download of a file after a given byte.</summary>
    public void CutOnce(string path, long atByte) => _cut = (path, atByte);

    /// <summary>Answers the next downloads with 500.</summary>
    public void FailWith500(int times) => _serverErrors = times;

    /// <summary>Answers the next downloads with 429 and Retry-After.</summary>
    public void FailWith429(int times) => _tooManyRequests = times;

    internal bool TakeServerError() => Take(ref _serverErrors);

    internal bool TakeTooManyRequests() => Take(ref _tooManyRequests);

    internal long? TakeCut(string path)
    {
        lock (this)
        {
            if (_cut is { } cut && cut.Path == path)
            {
                _cut = null;
                return cut.AtByte;
            }

            return null;
        }
    }

    private static bool Take(ref int counter)
    {
        int seen;
        do
        {
            seen = Volatile.Read(ref counter);
            if (seen <= 0)
            {
                return false;
            }
        }
        while (Interlocked.CompareExchange(ref counter, seen - 1, seen) != seen);
        return true;
    }
}

/// <summary>A request the fake Hub or its CDN received.</summary>
/// <param name="Host">"hub" or "cdn".</param>
/// <param name="Method">GET or HEAD.</param>
/// <param name="Path">The URL path.</param>
/// <param name="Range">The Range header, if any.</param>
/// <param name="Authorization">The Authorization header, if any.</param>
/// <param name="At">When it arrived.</param>
public sealed record SeenRequest(string Host, string Method, string Path, string? Range, string? Authorization, DateTimeOffset At);
