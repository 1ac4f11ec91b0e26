using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Qwen.Onnx.Testing.Onnx;

namespace Qwen.Onnx.Text.Tests;

/// <summary>
/// The synthetic q4 models' MatMulNBits packing: ONNX Runtime's MatMulNBits over the written bytes equals a plain
/// product with weights dequantised here from the MatMulNBits specification (nibble − 8, times the block scale, low
/// nibble first), and those weights are within half a quantisation step of the floats that were quantised (clamped to the block's range).
/// </summary>
public class Int4BlockQuantizerTests
{
    private const int K = 96;
    private const int N = 5;

    [Test]
    public void MatMulNBitsComputesTheDequantisedProduct()
    {
        var g = new OnnxGraphBuilder("q4");
        g.Input("x", global::Onnx.TensorProto.Types.DataType.Float, 2, K);
        g.Output("y", global::Onnx.TensorProto.Types.DataType.Float, 2, N);
        string y = Int4BlockQuantizer.MatMulNBits(g, "x", "w", K, N, Weight);
        g.OpNamed("y", "Identity", [y]);
        global::Onnx.ModelProto model = g.ToModel();
        float[] dequantised = Dequantise(model.Graph.Initializer[0].RawData.ToByteArray(), [.. model.Graph.Initializer[1].RawData.ToByteArray().Chunk(4).Select(b => BitConverter.ToSingle(b))]);
        float[] x = [.. Enumerable.Range(0, 2 * K).Select(i => MathF.Sin(i * 0.37f))];

        using var session = new InferenceSession(model.ToByteArray());
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("x", new DenseTensor<float>(x, [2, K]))]);
        float[] actual = [.. results[0].AsEnumerable<float>()];

        float[] expected = new float[2 * N];
        for (int row = 0; row < 2; row++)
        {
            for (int n = 0; n < N; n++)
            {
                double sum = 0;
                for (int k = 0; k < K; k++)
                {
                    sum += x[(row * K) + k] * (double)dequantised[(k * N) + n];
                }

                expected[(row * N) + n] = (float)sum;
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(actual, Is.EqualTo(expected).Within(1e-4f));
            for (int k = 0; k < K; k++)
            {
                for (int n = 0; n < N; n++)
                {
                    // Half a step of rounding, except that the largest magnitude maps to nibble 0 (8 steps) and values of
                    // the other sign clamp at nibble 15, 7 steps (MLAS's symmetric scheme).
                    float extreme = ExtremeInBlock(k / 32, n), step = MathF.Abs(extreme) / 8f;
                    float error = (extreme > 0 ? Math.Clamp(Weight(k, n), -7 * step, 8 * step) : Math.Clamp(Weight(k, n), -8 * step, 7 * step)) - Weight(k, n);
                    Assert.That(dequantised[(k * N) + n], Is.EqualTo(Weight(k, n) + error).Within((step / 2) + 1e-6f), $"W[{k},{n}]");
                }
            }
        });
    }

    private static float Weight(int k, int n) => MathF.Cos((k * 1.3f) + (n * 7.1f)) * (1 + (k % 7));

    private static float ExtremeInBlock(int block, int n) => Enumerable.Range(block * 32, 32).Select(k => Weight(k, n)).MaxBy(MathF.Abs);

    /// <summary>W[k, n] from B [N, K/32, 16] and scales [N, K/32], per the com.microsoft MatMulNBits specification.</summary>
    private static float[] Dequantise(byte[] packed, float[] scales)
    {
        int blocks = K / 32;
        float[] w = new float[K * N];
        for (int n = 0; n < N; n++)
        {
            for (int k = 0; k < K; k++)
            {
                byte b = packed[(n * blocks * 16) + (k / 2)];
                int nibble = k % 2 == 0 ? b & 0x0F : b >> 4;
                w[(k * N) + n] = (nibble - 8) * scales[(n * blocks) + (k / 32)];
            }
        }

        return w;
    }
}
