namespace Qwen.Onnx;

/// <summary>The base of every error Qwen.Onnx raises on purpose; the message says what was wrong and what to do.</summary>
public class QwenOnnxException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong and what to do.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public QwenOnnxException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>A model folder is missing, incomplete or malformed.</summary>
public sealed class InvalidModelException : QwenOnnxException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="modelPath">The folder that was loaded.</param>
    /// <param name="message">What is wrong with it and how to fix it.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public InvalidModelException(string modelPath, string message, Exception? inner = null)
        : base($"Model '{modelPath}': {message}", inner)
    {
        ModelPath = modelPath;
    }

    /// <summary>The folder that was loaded.</summary>
    public string ModelPath { get; }
}

/// <summary>The requested execution provider cannot run on this machine or with the installed runtime packages.</summary>
public sealed class ExecutionProviderUnavailableException : QwenOnnxException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="provider">The provider that was asked for.</param>
    /// <param name="reason">The runtime's own explanation.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public ExecutionProviderUnavailableException(ExecutionProvider provider, string reason, Exception? inner = null)
        : base(
            $"The {provider} execution provider is not available: {reason.Trim()} " +
            $"Add the NuGet package {ExecutionProviderPackages.GenAiPackage(provider)} (and {ExecutionProviderPackages.OnnxRuntimePackage(provider)} for vision/audio) " +
            $"in place of the CPU packages, check the GPU driver, or set {nameof(QwenModelOptions.AllowCpuFallback)} to run on the CPU.",
            inner)
    {
        Provider = provider;
        Reason = reason;
    }

    /// <summary>The provider that was asked for.</summary>
    public ExecutionProvider Provider { get; }

    /// <summary>The runtime's own explanation.</summary>
    public string Reason { get; }
}

/// <summary>
/// A request asks for something the loaded model cannot do here: a modality it has no encoder for, tools on a prompt
/// format without a tool section, content the chat-client mapping has no Qwen equivalent for. The message says what
/// to send or load instead.
/// </summary>
public class UnsupportedRequestException : QwenOnnxException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is unsupported and what to do instead.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public UnsupportedRequestException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>
/// The text of a request contains the model's own placeholder tokens (such as <c>&lt;|image_pad|&gt;</c>), which only
/// the SDK may insert, one per feature row of an attached image, video or audio.
/// </summary>
public sealed class PlaceholderInTextException : QwenOnnxException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="placeholder">The placeholder token's text.</param>
    /// <param name="found">Placeholders in the rendered prompt.</param>
    /// <param name="expected">Media items of that kind attached to the request.</param>
    /// <param name="kind">What the placeholder stands for ("images", "videos", "audio segments").</param>
    public PlaceholderInTextException(string placeholder, int found, int expected, string kind)
        : base($"The prompt has {found} {placeholder} placeholders for {expected} {kind}; remove placeholder tokens typed into the text, or attach the media as parts.")
    {
        Placeholder = placeholder;
    }

    /// <summary>The placeholder token's text.</summary>
    public string Placeholder { get; }
}

/// <summary>A request carries images or audio that the loaded model has no encoder for.</summary>
public sealed class UnsupportedModalityException : UnsupportedRequestException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="modelName">The model's name or folder.</param>
    /// <param name="modality">"image" or "audio".</param>
    /// <param name="encoder">The missing encoder, e.g. "vision encoder".</param>
    public UnsupportedModalityException(string modelName, string modality, string encoder)
        : base($"The model '{modelName}' has no {encoder}, so it cannot take {modality} input. Load a Qwen model that has one, or send text only.")
    {
        Modality = modality;
    }

    /// <summary>"image" or "audio".</summary>
    public string Modality { get; }
}

/// <summary>The prompt plus the requested answer length does not fit the model's context window.</summary>
public sealed class PromptTooLongException : QwenOnnxException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="promptTokens">Tokens in the rendered prompt.</param>
    /// <param name="contextLength">The model's context length.</param>
    public PromptTooLongException(int promptTokens, int contextLength)
        : base($"The prompt has {promptTokens} tokens but the model's context holds {contextLength}. Shorten the conversation or the inputs.")
    {
        PromptTokens = promptTokens;
        ContextLength = contextLength;
    }

    /// <summary>Tokens in the rendered prompt.</summary>
    public int PromptTokens { get; }

    /// <summary>The model's context length.</summary>
    public int ContextLength { get; }
}
