namespace Qwen.Onnx;

/// <summary>
/// One piece of a message: text, an image, a video or an audio clip. A message's parts are kept in the order given,
/// which is the order in which the model sees them.
/// </summary>
public abstract class ContentPart
{
    private protected ContentPart()
    {
    }

    /// <summary>Creates a text part.</summary>
    /// <param name="text">The text.</param>
    public static implicit operator ContentPart(string text) => new TextPart(text);
}

/// <summary>Plain text inside a message.</summary>
public sealed class TextPart : ContentPart
{
    /// <summary>Creates a text part.</summary>
    /// <param name="text">The text; may contain Qwen special tokens such as <c>&lt;|im_start|&gt;</c>.</param>
    public TextPart(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Text = text;
    }

    /// <summary>The text.</summary>
    public string Text { get; }

    /// <inheritdoc />
    public override string ToString() => Text;
}
