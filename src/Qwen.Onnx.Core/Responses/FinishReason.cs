namespace Qwen.Onnx;

/// <summary>Why generation ended.</summary>
public enum FinishReason
{
    /// <summary>The model produced an end-of-turn token, or the text hit a stop sequence.</summary>
    Stop,

    /// <summary>The answer reached <see cref="GenerationOptions.MaxNewTokens"/> or the context length.</summary>
    Length,

    /// <summary>The caller cancelled; the text holds what was generated until then.</summary>
    Cancelled,
}
