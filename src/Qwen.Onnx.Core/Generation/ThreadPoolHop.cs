using System.Runtime.CompilerServices;

namespace Qwen.Onnx.Generation;

/// <summary>
/// Awaiting this moves the rest of an async method to the thread pool, but only when it runs on a UI-style
/// synchronisation context or a custom task scheduler; elsewhere (console apps, ASP.NET Core, thread-pool threads)
/// it completes at once. Token loops await it before each blocking native call: a WPF or WinUI thread is never
/// blocked, and everywhere else a generated token costs no thread switch.
/// </summary>
public readonly struct ThreadPoolHop : ICriticalNotifyCompletion
{
    /// <summary>Whether the caller may block: no synchronisation context and the default scheduler.</summary>
    public bool IsCompleted => SynchronizationContext.Current is null && TaskScheduler.Current == TaskScheduler.Default;

    /// <summary>Gets the awaiter (itself).</summary>
    public ThreadPoolHop GetAwaiter() => this;

    /// <summary>Ends the await.</summary>
    public void GetResult()
    {
    }

    /// <inheritdoc />
    public void OnCompleted(Action continuation) => ThreadPool.QueueUserWorkItem(static c => c(), continuation, preferLocal: false);

    /// <inheritdoc />
    public void UnsafeOnCompleted(Action continuation) => ThreadPool.UnsafeQueueUserWorkItem(static c => c(), continuation, preferLocal: false);
}
