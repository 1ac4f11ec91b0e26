using Qwen.Onnx.Runtime;
using Qwen.Onnx.Runtime.Direct;
using Qwen.Onnx.Testing;

namespace Qwen.Onnx.Multimodal.Tests;

/// <summary>The decode step's allocation contract: once a request is running, a step allocates no managed memory.</summary>
public class DecoderLoopTests
{
    private static readonly string VisionModel = TinyModelFactory.GetOrCreateVisionLanguageModel(cacheFolder: Path.Combine(Path.GetTempPath(), "qwen-onnx-tests", "models"));

    [TestCase("")]
    [TestCase("_fp16")]
    public void A_decode_step_allocates_no_managed_memory(string variant)
    {
        using var graph = new DecoderGraph(Open("embed_tokens" + variant), Open("decoder_model_merged" + variant), VisionModel);
        using var run = new CancellableRun(CancellationToken.None);
        using var loop = new DecoderLoop(graph, run, DecoderLoop.MaskOfOnes(256));
        int[] ids = [151644, 872, 198, 9707, 11, 1879, 13, 151645, 198, 151644, 77091, 198];
        long[] positions = [.. Enumerable.Range(0, 3).SelectMany(_ => Enumerable.Range(0, ids.Length).Select(p => (long)p))];
        var prompt = new PreparedPrompt(ids, positions, 0, [], [], [], [], new Dictionary<string, TimeSpan>());

        int token = ArgMax(loop.Prefill(prompt));
        for (int i = 0; i < 4; i++)
        {
            token = ArgMax(loop.Step(token));
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 50; i++)
        {
            token = ArgMax(loop.Step(token));
        }

        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Assert.That(loop.Length, Is.EqualTo(ids.Length + 54));
        Assert.That(allocated, Is.Zero);
    }

    private static DirectSession Open(string graph) => OnnxSessions.OpenDirect(Path.Combine(VisionModel, "onnx", graph + ".onnx"), null, out _);

    private static int ArgMax(Span<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
        {
            best = logits[i] > logits[best] ? i : best;
        }

        return best;
    }
}
