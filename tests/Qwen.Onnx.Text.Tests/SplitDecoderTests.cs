using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Qwen.Onnx.Testing;
using Qwen.Onnx.Testing.Onnx;

namespace Qwen.Onnx.Text.Tests;

/// <summary>
/// The factory's onnx-community variant (embed_tokens + decoder on inputs_embeds, [3,B,S] M-RoPE positions) computes
/// what the GenAI decoder computes when the three position rows agree, and something else when they do not.
/// </summary>
public class SplitDecoderTests
{
    private static readonly long[] Ids = [151644, 872, 198, 9707, 11, 220, 99489, 0];

    [Test]
    public void EqualPositionRowsReproduceTheTextDecoder()
    {
        var config = new TinyQwenConfig();
        float[] expected = RunTextDecoder(config);
        long[] rows = [.. Enumerable.Range(0, 3).SelectMany(_ => Positions())];
        float[] actual = RunSplit(config, rows, threeRows: true);
        Assert.That(actual, Is.EqualTo(expected).Within(1e-4f));
    }

    [Test]
    public void OneDimensionalSplitReproducesTheTextDecoder()
    {
        var config = new TinyQwenConfig();
        Assert.That(RunSplit(config, Positions(), threeRows: false), Is.EqualTo(RunTextDecoder(config)).Within(1e-4f));
    }

    [Test]
    public void DifferentHeightAndWidthRowsChangeTheLogits()
    {
        var config = new TinyQwenConfig();
        long[] rows = [.. Positions(), .. Positions().Select(p => p * 2), .. Positions().Select(p => p * 3)];
        float[] mrope = RunSplit(config, rows, threeRows: true);
        float[] plain = RunTextDecoder(config);
        Assert.That(mrope.Zip(plain).Max(p => Math.Abs(p.First - p.Second)), Is.GreaterThan(1e-3f));
    }

    [Test]
    public void MropeSectionsFollowQwen2VlProportions()
    {
        Assert.Multiple(() =>
        {
            Assert.That(new TinyQwenConfig().MropeSections, Is.EqualTo(new[] { 2, 3, 3 }));
            Assert.That(new TinyQwenConfig { HiddenSize = 1536, NumAttentionHeads = 12 }.MropeSections, Is.EqualTo(new[] { 16, 24, 24 }));
        });
    }

    private static long[] Positions() => [.. Enumerable.Range(0, Ids.Length).Select(i => (long)i)];

    private static float[] RunTextDecoder(TinyQwenConfig config)
    {
        using var session = new InferenceSession(DecoderGraph.BuildTextDecoder(config).ToByteArray());
        return Logits(session, NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(Ids, [1, Ids.Length])), Positions(), threeRows: false, config);
    }

    private static float[] RunSplit(TinyQwenConfig config, long[] positions, bool threeRows)
    {
        (var embedGraph, var decoderGraph) = DecoderGraph.BuildSplit(config, threeRows ? [.. config.MropeSections] : null);
        using var embed = new InferenceSession(embedGraph.ToByteArray());
        using var decoder = new InferenceSession(decoderGraph.ToByteArray());
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> embeds = embed.Run([NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(Ids, [1, Ids.Length]))]);
        var inputsEmbeds = NamedOnnxValue.CreateFromTensor("inputs_embeds", embeds[0].AsTensor<float>().ToDenseTensor());
        return Logits(decoder, inputsEmbeds, positions, threeRows, config);
    }

    private static float[] Logits(InferenceSession session, NamedOnnxValue tokens, long[] positions, bool threeRows, TinyQwenConfig config)
    {
        int n = Ids.Length;
        var inputs = new List<NamedOnnxValue>
        {
            tokens,
            NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(Enumerable.Repeat(1L, n).ToArray(), [1, n])),
            NamedOnnxValue.CreateFromTensor("position_ids", threeRows ? new DenseTensor<long>(positions, [3, 1, n]) : new DenseTensor<long>(positions, [1, n])),
        };
        for (int i = 0; i < config.NumLayers; i++)
        {
            inputs.Add(NamedOnnxValue.CreateFromTensor($"past_key_values.{i}.key", new DenseTensor<float>([1, config.NumKeyValueHeads, 0, config.HeadSize])));
            inputs.Add(NamedOnnxValue.CreateFromTensor($"past_key_values.{i}.value", new DenseTensor<float>([1, config.NumKeyValueHeads, 0, config.HeadSize])));
        }

        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> outputs = session.Run(inputs, ["logits"]);
        return [.. outputs[0].AsTensor<float>()];
    }
}
