namespace Qwen.Onnx;

/// <summary>
/// How an answer is generated. With no sampling option set, decoding is greedy (deterministic);
/// setting <see cref="Temperature"/>, <see cref="TopK"/> or <see cref="TopP"/> turns sampling on unless
/// <see cref="Greedy"/> is <see langword="true"/>.
/// </summary>
public sealed record GenerationOptions
{
    /// <summary>The top-k used when sampling and <see cref="TopK"/> is not set (ONNX Runtime GenAI's default).</summary>
    public const int DefaultTopK = 50;

    /// <summary>The most tokens to generate. Default 256.</summary>
    public int MaxNewTokens { get; init; } = 256;

    /// <summary>Softmax temperature for sampling (greater than 0).</summary>
    public float? Temperature { get; init; }

    /// <summary>Sample only from the K most likely tokens; <see cref="DefaultTopK"/> when sampling and unset.</summary>
    public int? TopK { get; init; }

    /// <summary>Sample only from the smallest set of tokens whose probabilities add up to P (0 &lt; P ≤ 1).</summary>
    public float? TopP { get; init; }

    /// <summary>Penalty (&gt; 1 discourages) applied to tokens already in the sequence. 1 means none.</summary>
    public float? RepetitionPenalty { get; init; }

    /// <summary>Random seed for reproducible sampling.</summary>
    public int? Seed { get; init; }

    /// <summary>Forces greedy decoding (<see langword="true"/>) or sampling (<see langword="false"/>); <see langword="null"/> decides from the sampling options.</summary>
    public bool? Greedy { get; init; }

    /// <summary>Strings that end the answer when generated; they may span several tokens and are not part of the answer.</summary>
    public IReadOnlyList<string> StopSequences { get; init; } = [];

    /// <summary>
    /// For Qwen3 hybrid-thinking models: <see langword="false"/> renders the template with <c>enable_thinking=false</c>
    /// (an empty think block, a direct answer); <see langword="null"/> keeps the template's default.
    /// </summary>
    public bool? EnableThinking { get; init; }

    /// <summary>The shape the answer must have: free text (default), any JSON object, a JSON Schema or a regular expression.</summary>
    public ResponseFormat ResponseFormat { get; init; } = ResponseFormat.Text;

    /// <summary>Whether decoding samples (true) or takes the most likely token (false).</summary>
    public bool IsSampling => Greedy is bool greedy ? !greedy : Temperature.HasValue || TopK.HasValue || TopP.HasValue;

    /// <summary>Checks every value and throws <see cref="ArgumentOutOfRangeException"/> naming the bad one.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxNewTokens);
        if (Temperature is float t && !(t > 0 && float.IsFinite(t)))
        {
            throw new ArgumentOutOfRangeException(nameof(Temperature), t, "Temperature must be a finite number greater than 0.");
        }

        if (TopK is int k && k <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(TopK), k, "TopK must be at least 1.");
        }

        if (TopP is float p && !(p > 0 && p <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(TopP), p, "TopP must be in (0, 1].");
        }

        if (RepetitionPenalty is float r && !(r > 0 && float.IsFinite(r)))
        {
            throw new ArgumentOutOfRangeException(nameof(RepetitionPenalty), r, "RepetitionPenalty must be a finite number greater than 0.");
        }

        ArgumentNullException.ThrowIfNull(ResponseFormat);
        if (StopSequences.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("Stop sequences cannot be null or empty.", nameof(StopSequences));
        }
    }
}
