using System.Diagnostics;
using LLama;
using LLama.Common;
using LLama.Native;

namespace Qwen.Onnx.LlamaSharpBench;

/// <summary>One timed generation: prefill time, decode speed, the greedy ids and the prefill's last logits.</summary>
internal sealed record LlamaMeasurement(double PrefillMs, double DecodeTokensPerSecond, int[] GreedyIds, float[] LastPromptLogits);

/// <summary>
/// Greedy generation on llama.cpp through LLamaSharp's low-level batch API, on given token ids (no tokenizer, no
/// sampler chain), so the comparison sees the same prompt and only llama.cpp's forward pass is timed.
/// </summary>
internal sealed class LlamaRun : IDisposable
{
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;
    private readonly LLamaBatch _batch = new();

    /// <param name="flashAttention">null: llama.cpp's default (auto, on for CPU); false: plain attention.</param>
    public LlamaRun(string ggufPath, int threads, int contextSize, bool? flashAttention)
    {
        var parameters = new ModelParams(ggufPath)
        {
            ContextSize = (uint)contextSize,
            BatchSize = (uint)contextSize,
            UBatchSize = (uint)contextSize,
            Threads = threads,
            BatchThreads = threads,
            GpuLayerCount = 0,
            FlashAttention = flashAttention,

            // The ONNX models keep their KV cache in float32; llama.cpp's default is float16.
            TypeK = GGMLType.GGML_TYPE_F32,
            TypeV = GGMLType.GGML_TYPE_F32,
        };
        _weights = LLamaWeights.LoadFromFile(parameters);
        _context = _weights.CreateContext(parameters);
    }

    /// <summary>The ids llama.cpp's own tokenizer gives the rendered prompt (special tokens parsed, no BOS).</summary>
    public int[] Tokenize(string text) => [.. _context.Tokenize(text, addBos: false, special: true).Select(t => (int)t)];

    public LlamaMeasurement Generate(int[] prompt, int newTokens)
    {
        _context.NativeHandle.MemoryClear(true);
        _batch.Clear();
        LLamaToken[] tokens = [.. prompt.Select(i => (LLamaToken)i)];
        _batch.AddRange(tokens, 0, LLamaSeqId.Zero, true);
        var clock = Stopwatch.StartNew();
        Decode();
        float[] logits = _context.NativeHandle.GetLogitsIth(_batch.TokenCount - 1).ToArray();
        double prefillMs = clock.Elapsed.TotalMilliseconds;
        var ids = new List<int> { ArgMax(logits) };
        clock.Restart();
        for (int position = prompt.Length; ids.Count < newTokens; position++)
        {
            _batch.Clear();
            _batch.Add(ids[^1], position, LLamaSeqId.Zero, true);
            Decode();
            ids.Add(ArgMax(_context.NativeHandle.GetLogitsIth(0)));
        }

        double decodeSeconds = clock.Elapsed.TotalSeconds;
        return new LlamaMeasurement(prefillMs, (ids.Count - 1) / decodeSeconds, [.. ids], logits);
    }

    public void Dispose()
    {
        _context.Dispose();
        _weights.Dispose();
    }

    private void Decode()
    {
        DecodeResult result = _context.Decode(_batch);
        if (result != DecodeResult.Ok)
        {
            throw new InvalidOperationException($"llama_decode failed: {result}.");
        }
    }

    private static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best])
            {
                best = i;
            }
        }

        return best;
    }
}
