namespace Qwen.Onnx.Audio;

/// <summary>Audio cannot be used: empty, truncated, not audio, an unsupported codec, too long, or invalid samples.</summary>
public sealed class InvalidAudioException : QwenOnnxException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong with the audio and what to do.</param>
    /// <param name="inner">The decoder's error, if any.</param>
    public InvalidAudioException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
