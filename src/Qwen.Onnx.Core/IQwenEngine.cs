using Qwen.Onnx.Models;
using Qwen.Onnx.Tokenization;

namespace Qwen.Onnx;

/// <summary>
/// A loaded model that answers <see cref="QwenChatRequest"/>s. Implemented by the text engine (ONNX Runtime GenAI)
/// and the multimodal engine (ONNX Runtime); <c>QwenModel</c> picks one for a folder. Safe for concurrent requests.
/// </summary>
public interface IQwenEngine : IDisposable, IAsyncDisposable
{
    /// <summary>The folder the model was loaded from.</summary>
    ModelFolder Folder { get; }

    /// <summary>The tokenizer of the model.</summary>
    QwenTokenizer Tokenizer { get; }

    /// <summary>The execution provider actually in use (after any fallback).</summary>
    ExecutionProvider Provider { get; }

    /// <summary>How long loading took.</summary>
    TimeSpan LoadTime { get; }

    /// <summary>Renders the request's prompt with the model's chat template (generation prompt included).</summary>
    /// <param name="request">The request.</param>
    string RenderPrompt(QwenChatRequest request);

    /// <summary>Streams the answer to a request. Cancelling the token stops within one token and throws <see cref="OperationCanceledException"/>.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Stops generation.</param>
    IAsyncEnumerable<QwenChatResponseUpdate> GenerateStreamingAsync(QwenChatRequest request, CancellationToken cancellationToken = default);
}
