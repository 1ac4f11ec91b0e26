using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Qwen.Onnx.Generation;

/// <summary>
/// Runs a blocking token loop (native calls into ONNX Runtime) on a thread-pool thread and streams what it emits,
/// so a UI thread that awaits the stream is never blocked. When the consumer stops early or cancels, the loop is
/// cancelled and awaited before the stream completes, so its native resources are released first.
/// </summary>
public static class GenerationWorker
{
    /// <summary>Streams the items that <paramref name="produce"/> emits.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="produce">The loop: emits items and must stop when its token is cancelled.</param>
    /// <param name="cancellationToken">Cancels the loop.</param>
    public static async IAsyncEnumerable<T> RunAsync<T>(Action<Action<T>, CancellationToken> produce, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(produce);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channel = Channel.CreateUnbounded<T>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        Task worker = Task.Run(
            () =>
            {
                try
                {
                    produce(item => channel.Writer.TryWrite(item), stop.Token);
                    channel.Writer.TryComplete();
                }
                catch (Exception e)
                {
                    channel.Writer.TryComplete(e);
                }
            },
            CancellationToken.None);
        try
        {
            while (await channel.Reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out T? item))
                {
                    yield return item;
                }
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await worker.ConfigureAwait(false);
        }
    }
}
