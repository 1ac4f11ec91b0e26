using Microsoft.Extensions.Logging;

namespace Qwen.Onnx.Generation;

/// <summary>
/// Admits at most N concurrent requests to one loaded model and lets the model close safely without blocking:
/// closing refuses new requests, cancels every request in flight, and frees the native memory once the last of them
/// has left (at once when none is running), so disposing a model while another thread is still streaming ends that
/// stream with <see cref="OperationCanceledException"/> instead of a use-after-free crash, and no thread waits for it.
/// </summary>
public sealed partial class RequestGate : IDisposable
{
    // Requests that are running stop within one token once cancelled; only a stream nobody reads takes longer.
    private static readonly TimeSpan DrainWait = TimeSpan.FromSeconds(2);

    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly TaskCompletionSource _freed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _sync = new();
    private Action? _free;
    private int _active;
    private bool _closed;

    /// <summary>Creates a gate.</summary>
    /// <param name="capacity">Requests allowed at once.</param>
    public RequestGate(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _slots = new SemaphoreSlim(capacity, capacity);
    }

    /// <summary>Whether <see cref="CloseAndFree"/> was called.</summary>
    public bool IsClosed
    {
        get
        {
            lock (_sync)
            {
                return _closed;
            }
        }
    }

    /// <summary>Requests admitted and not yet left.</summary>
    public int ActiveRequests
    {
        get
        {
            lock (_sync)
            {
                return _active;
            }
        }
    }

    /// <summary>Waits for a slot; the lease's token is cancelled by the caller's token or by <see cref="CloseAndFree"/>.</summary>
    /// <param name="cancellationToken">The request's token.</param>
    /// <exception cref="ObjectDisposedException">The gate is closed.</exception>
    public async Task<Lease> EnterAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
        try
        {
            await _slots.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch
        {
            linked.Dispose();
            throw;
        }

        lock (_sync)
        {
            if (!_closed)
            {
                _active++;
                return new Lease(this, linked);
            }
        }

        // Closed between the wait and here: the memory may already be freed, so the request must not start.
        _slots.Release();
        linked.Dispose();
        throw new ObjectDisposedException(nameof(RequestGate));
    }

    /// <summary>
    /// Closes the gate: refuses new requests, cancels the running ones, and calls <paramref name="free"/> once the
    /// last of them has left; at once, on this thread, when none is running. Only the first call closes; every call
    /// returns the task of that one free.
    /// </summary>
    /// <param name="free">Frees the model's native memory.</param>
    /// <returns>Completes when <paramref name="free"/> has run (faulted if it threw).</returns>
    public Task CloseAndFree(Action free)
    {
        ArgumentNullException.ThrowIfNull(free);
        bool idle;
        lock (_sync)
        {
            if (_closed)
            {
                return _freed.Task;
            }

            _closed = true;
            _free = free;
            idle = _active == 0;
        }

        _lifetime.Cancel();
        if (idle)
        {
            RunFree();
        }

        return _freed.Task;
    }

    /// <summary>
    /// An engine's <see cref="IDisposable.Dispose"/>: <see cref="CloseAndFree"/> without waiting, logging a warning when
    /// requests are still running (their memory is freed when the last of them ends). A second call does nothing.
    /// </summary>
    /// <param name="free">Frees the model's native memory.</param>
    /// <param name="logger">Receives the warning.</param>
    /// <param name="modelName">The model, for the warning.</param>
    /// <returns>Completes when <paramref name="free"/> has run.</returns>
    public Task Close(Action free, ILogger logger, string modelName)
    {
        ArgumentNullException.ThrowIfNull(logger);
        bool first = !IsClosed;
        Task freed = CloseAndFree(free);
        if (first && !freed.IsCompleted)
        {
            LogDeferred(logger, modelName, ActiveRequests);
        }

        return freed;
    }

    /// <summary>
    /// An engine's <see cref="IAsyncDisposable.DisposeAsync"/>: closes as <see cref="Close"/> does, then waits without
    /// blocking a thread (at most two seconds) for the cancelled requests to end and the memory to be freed. A request
    /// that keeps its stream open without reading it is logged and frees the memory when it ends.
    /// </summary>
    /// <param name="free">Frees the model's native memory.</param>
    /// <param name="logger">Receives the warning.</param>
    /// <param name="modelName">The model, for the warning.</param>
    public async ValueTask CloseAsync(Action free, ILogger logger, string modelName)
    {
        Task freed = Close(free, logger, modelName);
        if (await Task.WhenAny(freed, Task.Delay(DrainWait)).ConfigureAwait(false) == freed)
        {
            await freed.ConfigureAwait(false);
        }
        else
        {
            LogStillHeld(logger, modelName, ActiveRequests);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _lifetime.Dispose();
        _slots.Dispose();
    }

    private void Leave()
    {
        bool last;
        lock (_sync)
        {
            last = --_active == 0 && _closed;
        }

        _slots.Release();
        if (last)
        {
            RunFree();
        }
    }

    private void RunFree()
    {
        try
        {
            Interlocked.Exchange(ref _free, null)?.Invoke();
            _freed.TrySetResult();
        }
        catch (Exception e)
        {
            _freed.TrySetException(e);
        }
    }

    /// <summary>One admitted request; dispose it to leave the gate.</summary>
    public sealed class Lease : IDisposable
    {
        private readonly RequestGate _gate;
        private readonly CancellationTokenSource _linked;
        private int _left;

        internal Lease(RequestGate gate, CancellationTokenSource linked)
        {
            _gate = gate;
            _linked = linked;
        }

        /// <summary>Cancelled when the request or the model is.</summary>
        public CancellationToken Token => _linked.Token;

        /// <inheritdoc />
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0)
            {
                _linked.Dispose();
                _gate.Leave();
            }
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "{Model} was disposed while {Requests} request(s) were running; they are cancelled, and the native memory is freed when the last of them ends.")]
    private static partial void LogDeferred(ILogger logger, string model, int requests);

    [LoggerMessage(2, LogLevel.Warning, "{Model}: {Requests} request(s) still hold the model after disposal (a stream that is neither read nor disposed); its native memory is freed when they end.")]
    private static partial void LogStillHeld(ILogger logger, string model, int requests);
}
