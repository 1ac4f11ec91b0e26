namespace Qwen.Onnx.Testing;

/// <summary>The shape and seed of a tiny random Qwen2-architecture model. Same seed, same weights, same tokens.</summary>
public sealed record TinyQwenConfig
{
    /// <summary>Seed of the random weights.</summary>
    public int Seed { get; init; } = 1234;

    /// <summary>Width of the hidden state.</summary>
    public int HiddenSize { get; init; } = 64;

    /// <summary>Query heads.</summary>
    public int NumAttentionHeads { get; init; } = 4;

    /// <summary>Key/value heads (grouped-query attention when fewer than the query heads).</summary>
    public int NumKeyValueHeads { get; init; } = 2;

    /// <summary>Decoder layers.</summary>
    public int NumLayers { get; init; } = 2;

    /// <summary>Width of the SwiGLU feed-forward block.</summary>
    public int IntermediateSize { get; init; } = 128;

    /// <summary>Rows of the logits: Qwen2.5's padded vocabulary, so every real token id is valid.</summary>
    public int VocabSize { get; init; } = 151936;

    /// <summary>Context length written to the config.</summary>
    public int ContextLength { get; init; } = 2048;

    /// <summary>Rotary base.</summary>
    public float RopeTheta { get; init; } = 1_000_000f;

    /// <summary>The epsilon inside every RMSNorm's square root (Qwen2.5's rms_norm_eps).</summary>
    public float RmsNormEpsilon { get; init; } = 1e-6f;

    /// <summary>Width of one attention head.</summary>
    public int HeadSize => HiddenSize / NumAttentionHeads;

    /// <summary>
    /// Frequency slots per temporal, height and width axis for M-RoPE decoders, in Qwen2-VL's 16:24:24 proportion
    /// (Qwen2-VL's head of 128 has 64 slots split [16, 24, 24]).
    /// </summary>
    public IReadOnlyList<int> MropeSections
    {
        get
        {
            int half = HeadSize / 2;
            int temporal = half / 4;
            int height = (half - temporal) / 2;
            return [temporal, height, half - temporal - height];
        }
    }

    internal void Validate()
    {
        if (HiddenSize % NumAttentionHeads != 0 || NumAttentionHeads % NumKeyValueHeads != 0 || HeadSize % 2 != 0)
        {
            throw new ArgumentException("HiddenSize must split into an even head size, and query heads into key/value groups.");
        }
    }
}
