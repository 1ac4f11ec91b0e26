using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Qwen.Onnx.Extensions.AI;

/// <summary>The JSON options for tool arguments and results: Microsoft.Extensions.AI's own, so values serialise as its tools expect.</summary>
internal static class ToolJson
{
    public static JsonSerializerOptions Options => AIJsonUtilities.DefaultOptions;
}
