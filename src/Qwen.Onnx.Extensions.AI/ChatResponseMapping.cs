using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Qwen.Onnx.Extensions.AI;

/// <summary>Turns Qwen answers into Microsoft.Extensions.AI contents: reasoning, text, and a <see cref="FunctionCallContent"/> per tool call.</summary>
internal static class ChatResponseMapping
{
    public static List<AIContent> ToContents(string? reasoning, string text, IReadOnlyList<QwenToolCall> calls)
    {
        var contents = new List<AIContent>();
        if (reasoning is { Length: > 0 })
        {
            contents.Add(new TextReasoningContent(reasoning));
        }

        if (text.Length > 0)
        {
            contents.Add(new TextContent(text));
        }

        contents.AddRange(calls.Select(ToContent));
        return contents;
    }

    public static ChatFinishReason ToFinishReason(FinishReason reason, bool calledTools) =>
        calledTools ? ChatFinishReason.ToolCalls
        : reason == FinishReason.Length ? ChatFinishReason.Length
        : ChatFinishReason.Stop;

    /// <summary>
    /// "qwen.constrained" (a ResponseFormat shaped the answer) and "qwen.incomplete" (the token budget ran out before
    /// the value was complete); <see langword="null"/> for free text.
    /// </summary>
    public static AdditionalPropertiesDictionary? ToConstraintProperties(bool constrained, bool incomplete) =>
        constrained ? new() { ["qwen.constrained"] = true, ["qwen.incomplete"] = incomplete } : null;

    public static UsageDetails ToUsage(QwenUsage usage) => new()
    {
        InputTokenCount = usage.PromptTokens,
        CachedInputTokenCount = usage.CachedPromptTokens,
        OutputTokenCount = usage.CompletionTokens,
        TotalTokenCount = usage.TotalTokens,
    };

    // Qwen's markup has no call ids; FunctionInvokingChatClient only needs them unique within the conversation.
    private static FunctionCallContent ToContent(QwenToolCall call) => new(
        "call_" + Guid.NewGuid().ToString("N")[..12],
        call.Name,
        call.Arguments.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone()));
}
