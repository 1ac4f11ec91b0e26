using System.Collections.Concurrent;

namespace Qwen.Onnx.Testing;

/// <summary>
/// A dedicated thread with its own synchronisation context, like a WPF dispatcher or a WinUI UI thread: tests run
/// work on it to check that an SDK call never blocks or burns CPU on the caller's UI thread.
/// </summary>
public sealed class SingleThreadContext : SynchronizationContext, IDisposable
{
    private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> _queue = [];
    private readonly Thread _thread;

    /// <summary>Starts the thread.</summary>
    public SingleThreadContext()
    {
        _thread = new Thread(() =>
        {
            SetSynchronizationContext(this);
            foreach ((SendOrPostCallback callback, object? state) in _queue.GetConsumingEnumerable())
            {
                callback(state);
            }
        });
        _thread.Start();
    }

    /// <summary>The managed id of the context's thread.</summary>
    public int ThreadId => _thread.ManagedThreadId;

    /// <inheritdoc />
    public override void Post(SendOrPostCallback d, object? state) => _queue.Add((d, state));

    /// <summary>Starts <paramref name="work"/> on the context's thread and waits (on the calling thread) for its result.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="work">The asynchronous work; its continuations come back to the context unless it hops away.</param>
    public T Run<T>(Func<Task<T>> work)
    {
        var started = new TaskCompletionSource<Task<T>>();
        Post(_ => started.SetResult(work()), null);
        return started.Task.Result.GetAwaiter().GetResult();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _queue.CompleteAdding();
        _thread.Join();
        _queue.Dispose();
    }
}
