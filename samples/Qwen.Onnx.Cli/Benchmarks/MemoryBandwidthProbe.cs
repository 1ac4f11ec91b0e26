using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Qwen.Onnx.Cli.Benchmarks;

/// <summary>
/// This machine's memory read bandwidth: every processor sums its share of a 512 MB buffer (far larger than any cache)
/// with <see cref="Vector{T}"/> loads; the best of several passes, as decoding's weight reads are the same streaming
/// pattern on the same threads.
/// </summary>
internal static class MemoryBandwidthProbe
{
    private const int Bytes = 512 << 20;
    private const int Passes = 10;

    public static double ReadGigabytesPerSecond()
    {
        float[] buffer = GC.AllocateUninitializedArray<float>(Bytes / sizeof(float));
        buffer.AsSpan().Fill(1f);
        int parts = Environment.ProcessorCount;
        double best = double.MaxValue;
        double sink = 0;
        for (int pass = 0; pass < Passes; pass++)
        {
            double[] sums = new double[parts];
            long started = Stopwatch.GetTimestamp();
            Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, part =>
            {
                int length = buffer.Length / parts;
                sums[part] = Sum(buffer.AsSpan(part * length, length));
            });
            best = Math.Min(best, Stopwatch.GetElapsedTime(started).TotalSeconds);
            sink += sums.Sum();
        }

        // The sums must be used, or the reads could be dropped.
        return sink > 0 ? Bytes / best / 1e9 : 0;
    }

    private static float Sum(ReadOnlySpan<float> values)
    {
        ReadOnlySpan<Vector<float>> vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
        Vector<float> a = Vector<float>.Zero, b = a, c = a, d = a;
        int i = 0;
        for (; i + 4 <= vectors.Length; i += 4)
        {
            a += vectors[i];
            b += vectors[i + 1];
            c += vectors[i + 2];
            d += vectors[i + 3];
        }

        for (; i < vectors.Length; i++)
        {
            a += vectors[i];
        }

        return Vector.Sum(a + b + c + d);
    }
}
