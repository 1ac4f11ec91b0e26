namespace Qwen.Onnx;

/// <summary>One message of a conversation: a role and an ordered list of parts (text, images, videos, audio).</summary>
public sealed class QwenChatMessage
{
    /// <summary>Creates a message.</summary>
    /// <param name="role">Who wrote it.</param>
    /// <param name="parts">Its content, in the order the model should see it.</param>
    public QwenChatMessage(QwenChatRole role, IEnumerable<ContentPart> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        Role = role;
        Parts = [.. parts];
        if (Parts.Any(p => p is null))
        {
            throw new ArgumentException("A message part cannot be null.", nameof(parts));
        }

        if (role != QwenChatRole.User && Parts.Any(p => p is not TextPart))
        {
            throw new ArgumentException($"Only user messages may carry images, videos or audio; this {role} message has a {Parts.First(p => p is not TextPart).GetType().Name}.", nameof(parts));
        }
    }

    /// <summary>Who wrote the message.</summary>
    public QwenChatRole Role { get; }

    /// <summary>The parts, in order.</summary>
    public IReadOnlyList<ContentPart> Parts { get; }

    /// <summary>
    /// The function calls of an assistant message (the model's earlier answer); the chat template renders them as
    /// <c>&lt;tool_call&gt;</c> blocks. Their results follow as <see cref="QwenChatRole.Tool"/> messages.
    /// </summary>
    /// <exception cref="ArgumentException">Set on a message that is not the assistant's.</exception>
    public IReadOnlyList<QwenToolCall> ToolCalls
    {
        get;
        init => field = Role == QwenChatRole.Assistant || value.Count == 0
            ? [.. value]
            : throw new ArgumentException($"Only assistant messages make tool calls; this is a {Role} message.", nameof(value));
    } = [];

    /// <summary>The concatenated text of all text parts.</summary>
    public string Text => string.Concat(Parts.OfType<TextPart>().Select(p => p.Text));

    /// <summary>A system message.</summary>
    /// <param name="text">The instructions.</param>
    public static QwenChatMessage System(string text) => new(QwenChatRole.System, [new TextPart(text)]);

    /// <summary>A user message made of text, images, videos and audio in the given order.</summary>
    /// <param name="parts">Parts; strings convert to <see cref="TextPart"/>.</param>
    public static QwenChatMessage User(params ContentPart[] parts) => new(QwenChatRole.User, parts);

    /// <summary>An earlier answer of the model.</summary>
    /// <param name="text">The answer.</param>
    public static QwenChatMessage Assistant(string text) => new(QwenChatRole.Assistant, [new TextPart(text)]);

    /// <summary>The result of a tool call.</summary>
    /// <param name="text">The tool's output.</param>
    public static QwenChatMessage Tool(string text) => new(QwenChatRole.Tool, [new TextPart(text)]);
}
