using Microsoft.ML.OnnxRuntime;

namespace Qwen.Onnx.Runtime.Direct;

/// <summary>
/// The run options of one request, tied to its cancellation: cancelling sets <see cref="RunOptions.Terminate"/>, so
/// a long native run (a prefill, an encoder) stops early instead of running to the end, and a run that failed because
/// it was terminated surfaces as <see cref="OperationCanceledException"/>. Every ONNX Runtime run of a request goes
/// through one of these.
/// </summary>
internal sealed class CancellableRun : IDisposable
{
    private readonly RunOptions _options = new();
    private readonly CancellationTokenRegistration _registration;

    public CancellableRun(CancellationToken cancellationToken)
    {
        Token = cancellationToken;

        // Register runs the callback at once when the token is already cancelled.
        _registration = cancellationToken.Register(static o => ((RunOptions)o!).Terminate = true, _options);
    }

    public CancellationToken Token { get; }

    /// <summary>Runs a graph with these options (see <see cref="DirectSession.Run"/>).</summary>
    /// <exception cref="OperationCanceledException">The request was cancelled before or during the run.</exception>
    public void Run(DirectSession session, PortSelection inputNames, ReadOnlySpan<NativeTensor> inputs, PortSelection outputNames, OwnedTensors outputs)
    {
        try
        {
            session.Run(_options, inputNames, inputs, outputNames, outputs);
        }
        catch (OnnxRuntimeCallException) when (Token.IsCancellationRequested)
        {
            throw new OperationCanceledException(Token);
        }
    }

    public void Dispose()
    {
        // Disposing the registration waits for a callback in flight, so the options are never written after disposal.
        _registration.Dispose();
        _options.Dispose();
    }
}
