using Qwen.Onnx.Generation;

namespace Qwen.Onnx.Core.Tests;

public class ThreadPoolHopTests
{
    [Test]
    public async Task WithoutAContextItCompletesOnTheSameThread()
    {
        await Task.Run(async () =>
        {
            int before = Environment.CurrentManagedThreadId;
            Assert.That(default(ThreadPoolHop).IsCompleted, Is.True);
            await default(ThreadPoolHop);
            Assert.That(Environment.CurrentManagedThreadId, Is.EqualTo(before));
        });
    }

    [Test]
    public void OnAUiStyleContextItMovesToTheThreadPool()
    {
        using var ui = new SingleThreadContext();
        (bool onUiBefore, bool onPoolAfter, bool contextAfter) = ui.Run(async () =>
        {
            bool before = SynchronizationContext.Current is SingleThreadContext;
            await default(ThreadPoolHop);
            return (before, Thread.CurrentThread.IsThreadPoolThread, SynchronizationContext.Current is not null);
        });
        Assert.Multiple(() =>
        {
            Assert.That(onUiBefore, Is.True);
            Assert.That(onPoolAfter, Is.True);
            Assert.That(contextAfter, Is.False);
        });
    }

    /// <summary>A dedicated thread with its own synchronisation context, like a WPF dispatcher.</summary>
    private sealed class SingleThreadContext : SynchronizationContext, IDisposable
    {
        private readonly System.Collections.Concurrent.BlockingCollection<(SendOrPostCallback, object?)> _queue = [];
        private readonly Thread _thread;

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

        public override void Post(SendOrPostCallback d, object? state) => _queue.Add((d, state));

        public T Run<T>(Func<Task<T>> work)
        {
            var result = new TaskCompletionSource<Task<T>>();
            Post(_ => result.SetResult(work()), null);
            return result.Task.Result.GetAwaiter().GetResult();
        }

        public void Dispose()
        {
            _queue.CompleteAdding();
            _thread.Join();
            _queue.Dispose();
        }
    }
}
