namespace Qwen.Onnx;

/// <summary>
/// The one request type of Qwen.Onnx: a conversation whose user messages may carry text, images, videos and audio,
/// plus generation options. The same request runs on text, vision and audio models; a model that lacks
/// the encoder for a part rejects the request with <see cref="UnsupportedModalityException"/>.
/// </summary>
public sealed class QwenChatRequest
{
    /// <summary>Creates a request from messages.</summary>
    /// <param name="messages">The conversation so far; the last message is usually the user's.</param>
    /// <param name="options">Generation options; <see langword="null"/> takes the defaults.</param>
    public QwenChatRequest(IEnumerable<QwenChatMessage> messages, GenerationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        Messages = [.. messages];
        if (Messages.Count == 0)
        {
            throw new ArgumentException("A request needs at least one message.", nameof(messages));
        }

        Options = options ?? new GenerationOptions();
    }

    /// <summary>The conversation.</summary>
    public IReadOnlyList<QwenChatMessage> Messages { get; }

    /// <summary>How to generate the answer.</summary>
    public GenerationOptions Options { get; }

    /// <summary>
    /// Functions the model may call, rendered into the prompt by the model's chat template; calls come back in
    /// <see cref="QwenChatResponse.ToolCalls"/>. GenAI-layout text models (Qwen2.5, Qwen3) support them.
    /// </summary>
    public IReadOnlyList<QwenTool> Tools { get; init; } = [];

    /// <summary>A one-turn request: an optional system prompt and a user message.</summary>
    /// <param name="prompt">The user's text.</param>
    /// <param name="system">An optional system prompt.</param>
    /// <param name="options">Generation options.</param>
    public static QwenChatRequest FromPrompt(string prompt, string? system = null, GenerationOptions? options = null)
    {
        var messages = new List<QwenChatMessage>(2);
        if (system is not null)
        {
            messages.Add(QwenChatMessage.System(system));
        }

        messages.Add(QwenChatMessage.User(prompt));
        return new QwenChatRequest(messages, options);
    }

    /// <summary>Every image part of the request, in prompt order.</summary>
    public IEnumerable<ImagePart> Images => Messages.SelectMany(m => m.Parts).OfType<ImagePart>();

    /// <summary>Every video part of the request, in prompt order.</summary>
    public IEnumerable<VideoPart> Videos => Messages.SelectMany(m => m.Parts).OfType<VideoPart>();

    /// <summary>Every audio part of the request, in prompt order.</summary>
    public IEnumerable<AudioPart> Audios => Messages.SelectMany(m => m.Parts).OfType<AudioPart>();
}
