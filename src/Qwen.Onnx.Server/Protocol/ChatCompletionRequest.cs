using Microsoft.Extensions.AI;

namespace Qwen.Onnx.Server.Protocol;

/// <summary>A validated <c>POST /v1/chat/completions</c> body, already in Microsoft.Extensions.AI terms.</summary>
/// <param name="Model">The requested model id.</param>
/// <param name="Messages">The conversation; remote media are still <see cref="UriContent"/> until fetched.</param>
/// <param name="Options">Generation options and tools.</param>
/// <param name="Stream">Whether to answer with server-sent events.</param>
/// <param name="IncludeUsage">Whether a streamed answer ends with a usage chunk.</param>
/// <param name="ResponseFormat">The requested output format.</param>
/// <param name="Modalities">The non-text inputs the conversation carries ("image", "audio").</param>
internal sealed record ChatCompletionRequest(
    string Model,
    IList<ChatMessage> Messages,
    ChatOptions Options,
    bool Stream,
    bool IncludeUsage,
    ResponseFormatSpec ResponseFormat,
    IReadOnlySet<string> Modalities);
