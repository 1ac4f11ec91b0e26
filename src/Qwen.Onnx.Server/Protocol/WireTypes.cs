// Constant wire fields (object, role, type...) are instance properties so the serializer writes them.
#pragma warning disable CA1822

using System.Text.Json.Serialization;

namespace Qwen.Onnx.Server.Protocol;

/// <summary>OpenAI's error body.</summary>
internal sealed record ErrorEnvelope([property: JsonPropertyName("error")] ErrorBody Error);

/// <summary>OpenAI's error fields; <c>param</c> and <c>code</c> are written as null when absent, as OpenAI does.</summary>
internal sealed record ErrorBody(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("param"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Param,
    [property: JsonPropertyName("code"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Code);

/// <summary>The body of <c>GET /v1/models</c>.</summary>
internal sealed record ModelList([property: JsonPropertyName("data")] IReadOnlyList<ModelEntry> Data)
{
    [JsonPropertyName("object")]
    public string Object => "list";
}

/// <summary>One model of <c>/v1/models</c>, with llama.cpp-style input modalities and the context length.</summary>
internal sealed record ModelEntry(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("ready")] bool Ready,
    [property: JsonPropertyName("input_modalities")] IReadOnlyList<string> InputModalities,
    [property: JsonPropertyName("context_length")] int? ContextLength)
{
    [JsonPropertyName("object")]
    public string Object => "model";

    [JsonPropertyName("owned_by")]
    public string OwnedBy => "qwen-onnx";
}

/// <summary>The body of <c>GET /health</c>.</summary>
internal sealed record HealthReport(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("models")] IReadOnlyList<ModelHealth> Models);

/// <summary>One model's load state in <c>/health</c>.</summary>
internal sealed record ModelHealth(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("error")] string? Error);

/// <summary>OpenAI's token counts, with cached prompt tokens in <c>prompt_tokens_details</c>.</summary>
internal sealed record UsageBody(
    [property: JsonPropertyName("prompt_tokens")] long PromptTokens,
    [property: JsonPropertyName("completion_tokens")] long CompletionTokens,
    [property: JsonPropertyName("total_tokens")] long TotalTokens,
    [property: JsonPropertyName("prompt_tokens_details")] PromptTokensDetails PromptTokensDetails);

/// <summary>How many prompt tokens were reused from the prompt cache.</summary>
internal sealed record PromptTokensDetails([property: JsonPropertyName("cached_tokens")] long CachedTokens);

/// <summary>The body of a non-streamed chat completion.</summary>
internal sealed record ChatCompletion(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("choices")] IReadOnlyList<CompletionChoice> Choices,
    [property: JsonPropertyName("usage")] UsageBody Usage)
{
    [JsonPropertyName("object")]
    public string Object => "chat.completion";
}

/// <summary>The one choice of a completion.</summary>
internal sealed record CompletionChoice(
    [property: JsonPropertyName("message")] AssistantMessage Message,
    [property: JsonPropertyName("finish_reason")] string FinishReason)
{
    [JsonPropertyName("index")]
    public int Index => 0;

    [JsonPropertyName("logprobs"), JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public object? Logprobs => null;
}

/// <summary>The answer: content (null when the model only called tools), Qwen3's reasoning, and tool calls.</summary>
internal sealed record AssistantMessage(
    [property: JsonPropertyName("content"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Content,
    [property: JsonPropertyName("reasoning_content")] string? ReasoningContent,
    [property: JsonPropertyName("tool_calls")] IReadOnlyList<ToolCallBody>? ToolCalls)
{
    [JsonPropertyName("role")]
    public string Role => "assistant";
}

/// <summary>A function call with its arguments as a JSON string, as OpenAI sends them.</summary>
internal sealed record ToolCallBody(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("function")] FunctionCallBody Function)
{
    [JsonPropertyName("type")]
    public string Type => "function";
}

/// <summary>The called function's name and arguments.</summary>
internal sealed record FunctionCallBody(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("arguments")] string Arguments);

/// <summary>Source-generated serializers of every non-streamed body (the streamed chunks are written by <see cref="ChunkWriter"/>).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ErrorEnvelope))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(HealthReport))]
[JsonSerializable(typeof(ChatCompletion))]
[JsonSerializable(typeof(UsageBody))]
[JsonSerializable(typeof(ToolCallBody))]
internal sealed partial class ServerJson : JsonSerializerContext
{
    /// <summary>Writes non-ASCII text and quotes as they are, as OpenAI does, instead of \u escapes.</summary>
    public static ServerJson Wire { get; } = new(new System.Text.Json.JsonSerializerOptions
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
