namespace Qwen.Onnx.Hub.Protocol;

/// <summary>A failure worth retrying (5xx, 429, a dropped or stalled connection); <see cref="RetryAfter"/> is the server's wish.</summary>
internal sealed class TransientHubException(string message, TimeSpan? retryAfter = null, Exception? inner = null) : Exception(message, inner)
{
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
