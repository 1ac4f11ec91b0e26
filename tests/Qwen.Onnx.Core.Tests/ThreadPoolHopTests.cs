using Qwen.Onnx.Generation;
using Qwen.Onnx.Testing;

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
}
