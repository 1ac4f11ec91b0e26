using System.Text.Json;

namespace Qwen.Onnx;

/// <summary>
/// A function the model may call. Qwen's chat templates list tools in the system prompt and the model answers with
/// <c>&lt;tool_call&gt;{"name": ..., "arguments": {...}}&lt;/tool_call&gt;</c>; see <see cref="QwenChatResponse.ToolCalls"/>.
/// </summary>
public sealed class QwenTool
{
    /// <summary>Creates a tool.</summary>
    /// <param name="name">The function name the model uses to call it.</param>
    /// <param name="description">What it does, for the model.</param>
    /// <param name="parametersSchema">A JSON schema object of its arguments; <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentException">The name is empty or the schema is not a JSON object.</exception>
    public QwenTool(string name, string? description = null, JsonElement? parametersSchema = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (parametersSchema is { ValueKind: not JsonValueKind.Object })
        {
            throw new ArgumentException($"The parameters of tool '{name}' must be a JSON schema object, not {parametersSchema.Value.ValueKind}.", nameof(parametersSchema));
        }

        Name = name;
        Description = description;
        ParametersSchema = parametersSchema?.Clone();
    }

    /// <summary>The function name.</summary>
    public string Name { get; }

    /// <summary>What it does.</summary>
    public string? Description { get; }

    /// <summary>The JSON schema of its arguments.</summary>
    public JsonElement? ParametersSchema { get; }
}
