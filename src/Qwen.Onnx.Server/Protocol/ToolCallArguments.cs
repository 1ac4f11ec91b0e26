using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Qwen.Onnx.Server.Protocol;

/// <summary>A call's arguments as the JSON string OpenAI puts in <c>function.arguments</c>.</summary>
internal static class ToolCallArguments
{
    // Microsoft.Extensions.AI's options know every argument type; OpenAI sends the arguments compact.
    private static readonly JsonSerializerOptions Compact = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    public static string ToJson(FunctionCallContent call) =>
        JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>(), Compact);
}
