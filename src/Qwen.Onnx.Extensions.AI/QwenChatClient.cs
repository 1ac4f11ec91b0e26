using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Qwen.Onnx.Extensions.AI;

/// <summary>
/// An <see cref="IChatClient"/> over a <see cref="QwenModel"/>. Text, images and audio (as <see cref="DataContent"/>
/// with an image/* or audio/* media type, or local file <see cref="UriContent"/>) all reach the model; streaming
/// yields one update per token and a last update with the finish reason and usage. <see cref="ChatOptions"/> map to
/// <see cref="GenerationOptions"/> (AdditionalProperties "repetition_penalty" and "enable_thinking" too). Safe for
/// concurrent use.
/// </summary>
public sealed class QwenChatClient : IChatClient
{
    private readonly QwenModel _model;
    private readonly bool _ownsModel;
    private readonly ChatClientMetadata _metadata;

    /// <summary>Wraps a loaded model.</summary>
    /// <param name="model">The model.</param>
    /// <param name="ownsModel">Dispose the model with the client.</param>
    public QwenChatClient(QwenModel model, bool ownsModel = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _ownsModel = ownsModel;
        _metadata = new ChatClientMetadata("qwen-onnx", null, model.Folder.Name);
    }

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        QwenChatResponse response = await _model.GenerateAsync(ChatRequestMapping.ToRequest(messages, options), cancellationToken).ConfigureAwait(false);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, response.Text))
        {
            FinishReason = ToFinishReason(response.FinishReason),
            Usage = ToUsage(response.Usage),
            ModelId = _model.Folder.Name,
            CreatedAt = DateTimeOffset.UtcNow,
        };
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        string responseId = Guid.NewGuid().ToString("N");
        await foreach (QwenChatResponseUpdate update in _model.GenerateStreamingAsync(ChatRequestMapping.ToRequest(messages, options), cancellationToken).ConfigureAwait(false))
        {
            var chunk = new ChatResponseUpdate(ChatRole.Assistant, update.Text) { ResponseId = responseId, ModelId = _model.Folder.Name };
            if (update.Completion is QwenCompletion done)
            {
                chunk.FinishReason = ToFinishReason(done.FinishReason);
                chunk.Contents.Add(new UsageContent(ToUsage(done.Usage)));
            }

            yield return chunk;
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(ChatClientMetadata) ? _metadata
            : serviceType.IsInstanceOfType(_model) ? _model
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsModel)
        {
            _model.Dispose();
        }
    }

    private static ChatFinishReason ToFinishReason(FinishReason reason) => reason == FinishReason.Length ? ChatFinishReason.Length : ChatFinishReason.Stop;

    private static UsageDetails ToUsage(QwenUsage usage) => new()
    {
        InputTokenCount = usage.PromptTokens,
        CachedInputTokenCount = usage.CachedPromptTokens,
        OutputTokenCount = usage.CompletionTokens,
        TotalTokenCount = usage.TotalTokens,
    };
}
