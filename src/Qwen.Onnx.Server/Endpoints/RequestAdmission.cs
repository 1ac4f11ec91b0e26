using System.Threading.RateLimiting;

namespace Qwen.Onnx.Server.Endpoints;

/// <summary>
/// At most <see cref="QwenServerOptions.MaxConcurrentRequests"/> generations at once, with a bounded first-come queue
/// (System.Threading.RateLimiting's <see cref="ConcurrencyLimiter"/>); a request beyond the queue is refused at once.
/// Held here rather than in the rate-limiting middleware so hosting apps need no extra <c>UseRateLimiter()</c>.
/// </summary>
internal sealed class RequestAdmission(QwenServerOptions options) : IDisposable
{
    private readonly ConcurrencyLimiter _limiter = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = options.MaxConcurrentRequests,
        QueueLimit = options.QueueLength,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    public ValueTask<RateLimitLease> EnterAsync(CancellationToken cancellationToken) => _limiter.AcquireAsync(1, cancellationToken);

    public void Dispose() => _limiter.Dispose();
}
