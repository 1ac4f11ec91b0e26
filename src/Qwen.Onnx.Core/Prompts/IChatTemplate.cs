namespace Qwen.Onnx.Prompts;

/// <summary>Renders a request's conversation as the prompt text a model expects (its chat template).</summary>
public interface IChatTemplate : IDisposable
{
    /// <summary>The prompt text of a request, ending with the assistant's generation prompt.</summary>
    /// <param name="request">The conversation, its tools and its options (for example Qwen3's thinking switch).</param>
    string Render(QwenChatRequest request);
}
