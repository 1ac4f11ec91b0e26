namespace Qwen.Onnx;

/// <summary>The author of a message in a Qwen chat (ChatML roles).</summary>
public enum QwenChatRole
{
    /// <summary>Instructions that frame the whole conversation.</summary>
    System,

    /// <summary>The person asking; the only role that may carry images and audio.</summary>
    User,

    /// <summary>An earlier answer of the model.</summary>
    Assistant,

    /// <summary>The result of a tool call, fed back to the model.</summary>
    Tool,
}
