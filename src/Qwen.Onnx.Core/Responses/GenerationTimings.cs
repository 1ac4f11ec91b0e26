namespace Qwen.Onnx;

/// <summary>Where the time of one request went.</summary>
/// <param name="Load">How long the model took to load (the same for every request of one model).</param>
/// <param name="TimeToFirstToken">From the call to the first generated token: prompt building, encoders and prefill.</param>
/// <param name="Decode">From the first to the last generated token.</param>
/// <param name="CompletionTokens">Tokens generated.</param>
public readonly record struct GenerationTimings(TimeSpan Load, TimeSpan TimeToFirstToken, TimeSpan Decode, int CompletionTokens)
{
    /// <summary>Generated tokens per second after the first one (0 when fewer than two tokens were generated).</summary>
    public double TokensPerSecond => CompletionTokens > 1 && Decode > TimeSpan.Zero ? (CompletionTokens - 1) / Decode.TotalSeconds : 0;
}
