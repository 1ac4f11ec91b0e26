using System.Buffers;
using System.Numerics.Tensors;
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

    /// <summary>
    /// Runs an encoder whose first input is features (float32, or float16 when <paramref name="halfPrecision"/>: narrowed
    /// in bulk into a pooled buffer) and whose second is an int64 tensor (a grid or a mask); outputs land in <paramref name="outputs"/>.
    /// </summary>
    public unsafe void RunEncoder(DirectSession session, PortSelection inputNames, PortSelection outputNames, OwnedTensors outputs, ReadOnlySpan<float> features, ReadOnlySpan<long> featureShape, bool halfPrecision, ReadOnlySpan<long> second, ReadOnlySpan<long> secondShape)
    {
        Half[]? half = halfPrecision ? ArrayPool<Half>.Shared.Rent(features.Length) : null;
        try
        {
            fixed (float* single = features)
            fixed (Half* narrow = half)
            fixed (long* other = second)
            {
                using var inputs = new OwnedTensors(2);
                if (half is null)
                {
                    inputs.Wrap(0, single, features.Length, featureShape);
                }
                else
                {
                    TensorPrimitives.ConvertToHalf(features, half);
                    inputs.Wrap(0, narrow, features.Length, featureShape);
                }

                inputs.Wrap(1, other, second.Length, secondShape);
                Run(session, inputNames, inputs.Tensors, outputNames, outputs);
            }
        }
        finally
        {
            if (half is not null)
            {
                ArrayPool<Half>.Shared.Return(half);
            }
        }
    }

    /// <summary>Concatenates feature arrays in order with one allocation (none for a single array).</summary>
    public static float[] Concatenate(IReadOnlyList<float[]> parts)
    {
        if (parts.Count == 1)
        {
            return parts[0];
        }

        var all = new float[parts.Sum(p => p.Length)];
        int offset = 0;
        foreach (float[] part in parts)
        {
            part.CopyTo(all, offset);
            offset += part.Length;
        }

        return all;
    }

    public void Dispose()
    {
        // Disposing the registration waits for a callback in flight, so the options are never written after disposal.
        _registration.Dispose();
        _options.Dispose();
    }
}
