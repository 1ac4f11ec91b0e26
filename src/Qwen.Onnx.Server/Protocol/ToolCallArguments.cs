using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Qwen.Onnx.Server.Protocol;

/// <summary>A call's arguments as the JSON string OpenAI puts in <c>function.arguments</c>.</summary>
internal static class ToolCallArguments
{
    public static string ToJson(FunctionCallContent call) =>
        JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions);
}
