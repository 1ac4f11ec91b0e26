using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Qwen.Onnx.Generation;

namespace Qwen.Onnx.Extensions.AI;

/// <summary>
/// An <see cref="IChatClient"/> over a <see cref="QwenModel"/>. Text, images and audio (as <see cref="DataContent"/>
/// with an image/* or audio/* media type, or local file <see cref="UriContent"/>) all reach the model; streaming
/// yields one update per token and a last update with the finish reason and usage. <see cref="ChatOptions"/> map to
/// <see cref="GenerationOptions"/> as the remarks list. Function
/// tools (<see cref="ChatOptions.Tools"/>) reach GenAI-layout text models through their chat template; the model's
/// calls come back as <see cref="FunctionCallContent"/> (also when streaming, in the last update), so
/// <c>UseFunctionInvocation()</c> works (<see cref="ChatToolMode.None"/> sends no tools; a required tool mode constrains the answer to one call
/// whose arguments match the function's schema). Qwen3's <c>&lt;think&gt;</c> reasoning comes back as
/// <see cref="TextReasoningContent"/>, apart from the answer. <see cref="ChatOptions.ResponseFormat"/> JSON (with or
/// without a schema) constrains the answer, so <c>GetResponseAsync&lt;T&gt;</c> works on every engine; such responses
/// carry "qwen.constrained" and "qwen.incomplete" in their AdditionalProperties. Safe for concurrent use.
/// </summary>
/// <remarks>
/// <see cref="ChatOptions"/> members that are mapped: Instructions (a system message), MaxOutputTokens, Temperature,
/// TopP, TopK, Seed, StopSequences, ResponseFormat, Tools, ToolMode, Reasoning (effort None turns Qwen3 thinking off, any other effort
/// on), and AdditionalProperties "repetition_penalty" (a number) and "enable_thinking" (a boolean), given as CLR
/// values or as the JSON elements a deserialised request carries (a value of the wrong type is an
/// <see cref="ArgumentException"/>). Ignored, because a local model has no equivalent: ModelId (one client serves one
/// model), ConversationId, ContinuationToken and AllowBackgroundResponses (no server-side state; the prompt cache reuses
/// a repeated prefix by itself), FrequencyPenalty and PresencePenalty (Qwen's generation config uses a repetition
/// penalty instead), AllowMultipleToolCalls (the chat template always permits several), Reasoning.Output (reasoning is
/// always returned in full) and RawRepresentationFactory.
/// </remarks>
public sealed class QwenChatClient : IChatClient
{
    private readonly QwenModelSource _source;
    private readonly bool _ownsModel;
    private readonly ChatClientMetadata _metadata;

    /// <summary>Wraps a loaded model.</summary>
    /// <param name="model">The model.</param>
    /// <param name="ownsModel">Dispose the model with the client.</param>
    public QwenChatClient(QwenModel model, bool ownsModel = false)
        : this(new QwenModelSource(model ?? throw new ArgumentNullException(nameof(model))), ownsModel)
    {
    }

    /// <summary>A client over a model that may still be loading (dependency injection); the source's owner disposes it.</summary>
    internal QwenChatClient(QwenModelSource source, bool ownsModel = false)
    {
        _source = source;
        _ownsModel = ownsModel;
        _metadata = new ChatClientMetadata("qwen-onnx", null, source.Name);
    }

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        QwenChatRequest request = ChatRequestMapping.ToRequest(messages, options);
        QwenModel model = await _source.GetAsync(cancellationToken).ConfigureAwait(false);
        QwenChatResponse response = await model.GenerateAsync(request, cancellationToken).ConfigureAwait(false);
        (string? reasoning, string answer) = ThinkingMarkup.Split(response.Text);
        (string text, IReadOnlyList<QwenToolCall> calls) = request.Tools.Count > 0 ? ToolCallMarkup.Extract(answer) : (answer, []);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, ChatResponseMapping.ToContents(reasoning, text, calls)))
        {
            FinishReason = ChatResponseMapping.ToFinishReason(response.FinishReason, calls.Count > 0),
            Usage = ChatResponseMapping.ToUsage(response.Usage),
            AdditionalProperties = ChatResponseMapping.ToConstraintProperties(response.Constrained, response.Incomplete),
            ModelId = model.Folder.Name,
            CreatedAt = DateTimeOffset.UtcNow,
        };
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        string responseId = Guid.NewGuid().ToString("N");
        QwenChatRequest request = ChatRequestMapping.ToRequest(messages, options);
        QwenModel model = await _source.GetAsync(cancellationToken).ConfigureAwait(false);

        // Rendering decodes audio parts to count their segments: CPU work that must not run on a UI thread.
        await default(ThreadPoolHop);
        var reasoning = new ReasoningStreamSplitter(model.RenderPrompt(request).TrimEnd().EndsWith(ThinkingMarkup.Open, StringComparison.Ordinal));
        ToolCallStreamFilter? filter = request.Tools.Count > 0 ? new ToolCallStreamFilter() : null;
        await foreach (QwenChatResponseUpdate update in model.GenerateStreamingAsync(request, cancellationToken).ConfigureAwait(false))
        {
            (string thought, string answer) = reasoning.Push(update.Text);
            if (update.Completion is not null)
            {
                answer += reasoning.Flush();
            }

            string text = filter?.Push(answer) ?? answer;
            var chunk = new ChatResponseUpdate(ChatRole.Assistant, ChatResponseMapping.ToContents(thought, text, [])) { ResponseId = responseId, ModelId = model.Folder.Name };
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
            : _source.Loaded is { } model && serviceType.IsInstanceOfType(model) ? model
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsModel)
        {
            _source.Dispose();
        }
    }
}
