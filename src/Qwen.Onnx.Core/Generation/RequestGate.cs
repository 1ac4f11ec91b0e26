namespace Qwen.Onnx.Generation;

/// <summary>
/// Admits at most N concurrent requests to one loaded model and lets the model close safely: closing cancels every
/// request in flight and waits for them to leave before the caller frees native memory, so disposing a model while
/// another thread is still streaming ends that stream with <see cref="OperationCanceledException"/> instead of a
/// use-after-free crash.
/// </summary>
public sealed class RequestGate : IDisposable
{
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly int _capacity;
    private int _closed;

    /// <summary>Creates a gate.</summary>
    /// <param name="capacity">Requests allowed at once.</param>
    public RequestGate(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _capacity = capacity;
        _slots = new SemaphoreSlim(capacity, capacity);
    }

    /// <summary>Whether <see cref="Close"/> was called.</summary>
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Waits for a slot; the lease's token is cancelled by the caller's token or by <see cref="Close"/>.</summary>
    /// <param name="cancellationToken">The request's token.</param>
    /// <exception cref="ObjectDisposedException">The gate is closed.</exception>
    public async Task<Lease> EnterAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _closed) != 0, this);
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

        return new Lease(this, linked);
    }

    /// <summary>Cancels every request and waits for them to leave.</summary>
    /// <param name="timeout">How long to wait for each slot.</param>
    /// <returns>True when no request is left, so native resources may be freed; false when one did not leave in time.</returns>
    public bool Close(TimeSpan timeout)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return false;
        }

        _lifetime.Cancel();
        for (int i = 0; i < _capacity; i++)
        {
            if (!_slots.Wait(timeout))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _lifetime.Dispose();
        _slots.Dispose();
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
                _gate._slots.Release();
            }
        }
    }
}
