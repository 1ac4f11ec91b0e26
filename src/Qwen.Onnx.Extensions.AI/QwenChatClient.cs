using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Qwen.Onnx.Extensions.AI;

/// <summary>
/// An <see cref="IChatClient"/> over a <see cref="QwenModel"/>. Text, images and audio (as <see cref="DataContent"/>
/// with an image/* or audio/* media type, or local file <see cref="UriContent"/>) all reach the model; streaming
/// yields one update per token and a last update with the finish reason and usage. <see cref="ChatOptions"/> map to
/// <see cref="GenerationOptions"/> (AdditionalProperties "repetition_penalty" and "enable_thinking" too). Function
/// tools (<see cref="ChatOptions.Tools"/>) reach GenAI-layout text models through their chat template; the model's
/// calls come back as <see cref="FunctionCallContent"/> (also when streaming, in the last update), so
/// <c>UseFunctionInvocation()</c> works (<see cref="ChatToolMode.None"/> sends no tools; a required tool mode constrains the answer to one call
/// whose arguments match the function's schema). Qwen3's <c>&lt;think&gt;</c> reasoning comes back as
/// <see cref="TextReasoningContent"/>, apart from the answer. <see cref="ChatOptions.ResponseFormat"/> JSON (with or
/// without a schema) constrains the answer, so <c>GetResponseAsync&lt;T&gt;</c> works on every engine; such responses
/// carry "qwen.constrained" and "qwen.incomplete" in their AdditionalProperties. Safe for concurrent use.
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
        QwenChatRequest request = ChatRequestMapping.ToRequest(messages, options);
        QwenChatResponse response = await _model.GenerateAsync(request, cancellationToken).ConfigureAwait(false);
        (string? reasoning, string answer) = ThinkingMarkup.Split(response.Text);
        (string text, IReadOnlyList<QwenToolCall> calls) = request.Tools.Count > 0 ? ToolCallMarkup.Extract(answer) : (answer, []);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, ChatResponseMapping.ToContents(reasoning, text, calls)))
        {
            FinishReason = ChatResponseMapping.ToFinishReason(response.FinishReason, calls.Count > 0),
            Usage = ChatResponseMapping.ToUsage(response.Usage),
            AdditionalProperties = ChatResponseMapping.ToConstraintProperties(response.Constrained, response.Incomplete),
            ModelId = _model.Folder.Name,
            CreatedAt = DateTimeOffset.UtcNow,
        };
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        string responseId = Guid.NewGuid().ToString("N");
        QwenChatRequest request = ChatRequestMapping.ToRequest(messages, options);
        var reasoning = new ReasoningStreamSplitter(_model.RenderPrompt(request).TrimEnd().EndsWith(ThinkingMarkup.Open, StringComparison.Ordinal));
        ToolCallStreamFilter? filter = request.Tools.Count > 0 ? new ToolCallStreamFilter() : null;
        await foreach (QwenChatResponseUpdate update in _model.GenerateStreamingAsync(request, cancellationToken).ConfigureAwait(false))
        {
            (string thought, string answer) = reasoning.Push(update.Text);
            if (update.Completion is not null)
            {
                answer += reasoning.Flush();
            }

            string text = filter?.Push(answer) ?? answer;
            var chunk = new ChatResponseUpdate(ChatRole.Assistant, ChatResponseMapping.ToContents(thought, text, [])) { ResponseId = responseId, ModelId = _model.Folder.Name };
            if (update.Completion is QwenCompletion done)
            {
                (string heldText, IReadOnlyList<QwenToolCall> calls) = filter?.Finish() ?? (string.Empty, []);
                foreach (AIContent content in ChatResponseMapping.ToContents(null, heldText, calls))
                {
                    chunk.Contents.Add(content);
                }

                chunk.FinishReason = ChatResponseMapping.ToFinishReason(done.FinishReason, calls.Count > 0);
                chunk.AdditionalProperties = ChatResponseMapping.ToConstraintProperties(done.Constrained, done.Incomplete);
                chunk.Contents.Add(new UsageContent(ChatResponseMapping.ToUsage(done.Usage)));
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
}
