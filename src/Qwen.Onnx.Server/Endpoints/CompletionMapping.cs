using Microsoft.Extensions.AI;
using Qwen.Onnx.Server.Protocol;

namespace Qwen.Onnx.Server.Endpoints;

/// <summary>Microsoft.Extensions.AI's finish reasons and usage in OpenAI's words.</summary>
internal static class CompletionMapping
{
    public static string FinishReason(ChatFinishReason? reason) =>
        reason == ChatFinishReason.ToolCalls ? "tool_calls"
        : reason == ChatFinishReason.Length ? "length"
        : reason == ChatFinishReason.ContentFilter ? "content_filter"
        : "stop";

    public static UsageBody Usage(UsageDetails? usage) => new(
        usage?.InputTokenCount ?? 0,
        usage?.OutputTokenCount ?? 0,
        usage?.TotalTokenCount ?? 0,
        new PromptTokensDetails(usage?.CachedInputTokenCount ?? 0));
}
