using System.Text.Encodings.Web;
using System.Text.Json;
using Qwen.Onnx.Constraints.Languages;

namespace Qwen.Onnx.Constraints.Schemas;

/// <summary>
/// Qwen's tool-call markup as its chat templates teach it, <c>&lt;tool_call&gt;\n{"name": "f", "arguments": {...}}\n&lt;/tool_call&gt;</c>,
/// with the arguments compiled from the chosen function's parameter schema.
/// </summary>
internal static class ToolCallGrammar
{
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Language Compile(string tools)
    {
        using JsonDocument document = JsonDocument.Parse(tools);
        return Language.Choice([.. document.RootElement.EnumerateArray().Select(Call)]);
    }

    private static Language Call(JsonElement tool)
    {
        string name = tool.GetProperty("name").GetString()!;
        JsonElement parameters = tool.GetProperty("parameters");
        Language arguments = parameters.ValueKind == JsonValueKind.Null ? Language.Literal("{}") : JsonSchemaCompiler.Compile(parameters.GetRawText());
        return Language.Sequence(
            Language.Literal($"<tool_call>\n{{\"name\": {JsonSerializer.Serialize(name, Compact)}, \"arguments\": "),
            arguments,
            Language.Literal("}\n</tool_call>"));
    }
}
