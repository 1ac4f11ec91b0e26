using Microsoft.Extensions.Logging;

namespace Qwen.Onnx;

/// <summary>How a model is loaded: device, fallback, logging and concurrency.</summary>
public sealed record QwenModelOptions
{
    /// <summary>The execution provider to run on. Default <see cref="ExecutionProvider.Cpu"/>.</summary>
    public ExecutionProvider Provider { get; init; } = ExecutionProvider.Cpu;

    /// <summary>CUDA device id, or DirectML adapter index. Default 0.</summary>
    public int DeviceId { get; init; }

    /// <summary>
    /// When the requested GPU provider cannot be used, load on the CPU and log a warning instead of throwing
    /// <see cref="ExecutionProviderUnavailableException"/>. Default <see langword="false"/>: an explicit opt-in.
    /// </summary>
    public bool AllowCpuFallback { get; init; }

    /// <summary>
    /// Which precision variant of each graph to load from an onnx-community folder (<c>onnx/*_q4.onnx</c>, ...).
    /// Default <see cref="OnnxGraphVariant.Auto"/>: the most exact variant present. GenAI folders name their own graph.
    /// </summary>
    public OnnxGraphVariant GraphVariant { get; init; } = OnnxGraphVariant.Auto;

    /// <summary>
    /// The most requests that generate at the same time on one loaded model; later ones wait. Default
    /// (<see langword="null"/>): <see cref="MaxBatchSize"/> on onnx-community folders, whose concurrent requests share
    /// decoder steps, and the processor count on GenAI folders, whose requests each run their own steps.
    /// </summary>
    public int? MaxConcurrentRequests { get; init; }

    /// <summary>
    /// The most concurrent requests the multimodal engine decodes in one shared decoder step (continuous batching):
    /// decoding reads every weight once per step, so requests that share a step share that read. Requests join and
    /// leave between steps; beyond this many, admitted requests wait for a row. Default 8: at Qwen2.5-0.5B shape on 2
    /// cores, 8 fp32 streams decoded 5.2× the tokens/s of one at 1.5× its per-token latency (4-bit: 2.3–2.9× at about
    /// 3×), and a larger batch lengthens every stream's step. 1 decodes each request alone. A decoder whose batch
    /// dimension is fixed decodes one request per step. (GenAI text folders do not batch.)
    /// </summary>
    public int MaxBatchSize { get; init; } = 8;

    /// <summary>
    /// The largest piece of a new request's prompt the multimodal engine runs at once while other requests are
    /// decoding; between pieces they take one decode step, so a long prompt delays them by one piece at a time. A
    /// request arriving when nothing else runs prefills in one run. Default 128 tokens.
    /// </summary>
    public int PrefillChunkTokens { get; init; } = 128;

    /// <summary>
    /// Whether the multimodal engine keeps the KV cache of the last finished request, so a request that starts with
    /// the same tokens and the same images, videos and audio (the next turn of a conversation) runs only what is new;
    /// <see cref="QwenUsage.CachedPromptTokens"/> reports how much was reused; the encoder features of the last four
    /// images, videos or audio clips are kept too, keyed by a hash of their pixels or features, so a follow-up about the
    /// same picture skips the encoder. Costs the memory of one KV cache and those features between requests. Default: on. (GenAI text folders do not use it.)
    /// </summary>
    public bool ReusePromptCache { get; init; } = true;

    /// <summary>
    /// Threads one graph run may use on the CPU; <see langword="null"/> (default) means one per logical processor
    /// (<see cref="Environment.ProcessorCount"/>), not ONNX Runtime's one per physical core: on a 2-vCPU machine that
    /// default ran a Qwen2.5-0.5B-shaped model at 55–62 % of the two-thread decode speed. Applies to every engine.
    /// </summary>
    public int? IntraOpThreads { get; init; }

    /// <summary>The thread count the engines give ONNX Runtime: <see cref="IntraOpThreads"/>, or <see cref="Environment.ProcessorCount"/> when it is <see langword="null"/>.</summary>
    public int EffectiveIntraOpThreads => IntraOpThreads ?? Environment.ProcessorCount;

    /// <summary>
    /// Whether ONNX Runtime's worker threads spin between runs instead of sleeping. Default: off, unlike ONNX Runtime's
    /// own default: a spinning pool keeps every core busy between tokens (bad for desktop apps and batteries), and on
    /// a 2-core machine sleeping threads cut the multimodal time to first token from 83 ms to 51–62 ms with decoding as
    /// fast as before. Turn it on for servers with cores to spare if wake-up latency matters. Applies to onnx-community
    /// folders (GenAI 0.18 cannot set it).
    /// </summary>
    public bool AllowThreadSpinning { get; init; }

    /// <summary>
    /// Extra ONNX Runtime session configuration entries (the keys of onnxruntime_session_options_config_keys.h, e.g.
    /// <c>session.dynamic_block_base</c>, <c>session.intra_op_thread_affinities</c>), applied after the SDK's own so
    /// they override them. For tuning and measurement; default none. Applies to onnx-community folders (GenAI 0.18
    /// cannot set them).
    /// </summary>
    public IReadOnlyDictionary<string, string>? SessionConfigEntries { get; init; }

    /// <summary>
    /// Whether the 4-bit MatMulNBits layers of onnx-community graphs (q4, q4f16, bnb4 variants) compute in int8
    /// (<c>accuracy_level</c> 4: int8-quantised activations, int8 dot products) instead of the exports' fp32 path.
    /// Default: off, because it changes numerics: ONNX Runtime's int8 path can pick a different greedy token at
    /// near-ties on models with outlier activation channels (onnxruntime issue 29849). When on, the rewritten graph is
    /// saved once beside the original (<c>name.int8-*.onnx</c>, same external weights) and reused by later loads; a
    /// read-only folder logs a warning and runs the graph as exported. Graphs without MatMulNBits are unaffected.
    /// </summary>
    public bool QuantizedMatMulInt8 { get; init; }

    /// <summary>
    /// Whether the model indexes its vocabulary for structured output (response formats and tools) in the background
    /// right after loading: a few hundred milliseconds of one core for Qwen's 151k tokens, which the first constrained
    /// request pays otherwise. Default: off. The OpenAI-compatible server turns it on for the models it serves.
    /// </summary>
    public bool PrepareStructuredOutput { get; init; }

    /// <summary>Where diagnostics go (provider fallback, load times). Default: nowhere.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Checks every value and throws <see cref="ArgumentOutOfRangeException"/> naming the bad one.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Provider))
        {
            throw new ArgumentOutOfRangeException(nameof(Provider), Provider, "Unknown execution provider.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(DeviceId);
        if (MaxConcurrentRequests is int concurrent)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(concurrent, nameof(MaxConcurrentRequests));
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxBatchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(PrefillChunkTokens);
        if (IntraOpThreads is int threads)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads, nameof(IntraOpThreads));
        }
    }
}
