namespace Qwen.Onnx.Vision;

/// <summary>An image cannot be used: empty, truncated, not an image, too large, or of an unusable shape.</summary>
public sealed class InvalidImageException : QwenOnnxException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong with the image and what to do.</param>
    /// <param name="inner">The decoder's error, if any.</param>
    public InvalidImageException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
