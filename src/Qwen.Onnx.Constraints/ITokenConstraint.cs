namespace Qwen.Onnx.Constraints;

/// <summary>
/// The constraint stage of the sampling pipeline (logits → constraint mask → penalties, temperature, top-k, top-p →
/// token): one request's position in a grammar. Implement it to plug your own constraint into an engine's sampler.
/// </summary>
public interface ITokenConstraint
{
    /// <summary>Whether the output so far is a complete value of the grammar (more may still be allowed).</summary>
    bool IsComplete { get; }

    /// <summary>
    /// Forbids every token that would break the grammar by setting its logit to negative infinity, or, when the
    /// grammar allows exactly one token, leaves the logits alone and returns it: the sampler then emits it without sampling.
    /// </summary>
    /// <param name="logits">The next-token logits, one per vocabulary entry.</param>
    /// <returns>The forced token, or -1 when the sampler must choose among the tokens left.</returns>
    int Mask(Span<float> logits);

    /// <summary>Advances past the chosen token, which must be one <see cref="Mask"/> allowed.</summary>
    /// <param name="token">The token.</param>
    void Accept(int token);
}
