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

    /// <summary>The execution provider every session runs on; CPU when a permitted fallback moved any of them there.</summary>
    ExecutionProvider Provider { get; }

    /// <summary>The provider each of the model's sessions runs on, by graph name (a fallback may move some to the CPU).</summary>
    IReadOnlyDictionary<string, ExecutionProvider> SessionProviders { get; }

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
