namespace Qwen.Onnx;

/// <summary>Token counts of one request.</summary>
/// <param name="PromptTokens">Tokens of the rendered prompt, image and audio placeholders included.</param>
/// <param name="CompletionTokens">Tokens generated.</param>
public readonly record struct QwenUsage(int PromptTokens, int CompletionTokens)
{
    /// <summary>Prompt tokens whose computation was reused from an earlier request instead of run again.</summary>
    public int CachedPromptTokens { get; init; }

    /// <summary>Prompt plus completion tokens.</summary>
    public int TotalTokens => PromptTokens + CompletionTokens;
}
