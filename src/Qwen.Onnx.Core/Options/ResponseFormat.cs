namespace Qwen.Onnx;

/// <summary>
/// What shape the answer must have. Engines enforce a constraint by masking every token that would break it, so even a
/// weak model's output matches; <see cref="QwenCompletion.Constrained"/> reports that a constraint was applied and
/// <see cref="QwenCompletion.Incomplete"/> that the token budget ran out before the value was complete.
/// </summary>
public abstract record ResponseFormat
{
    private protected ResponseFormat()
    {
    }

    /// <summary>Free text (no constraint). The default.</summary>
    public static ResponseFormat Text { get; } = new TextResponseFormat();

    /// <summary>Any JSON object, written compactly (no whitespace between tokens).</summary>
    public static ResponseFormat JsonObject { get; } = new JsonObjectResponseFormat();

    /// <summary>A JSON value that validates against a JSON Schema document (the subset listed in the README).</summary>
    /// <param name="schema">The schema, as JSON text.</param>
    public static ResponseFormat JsonSchema(string schema) => new JsonSchemaResponseFormat(schema);

    /// <summary>Text that fully matches a regular expression (ECMAScript-style syntax: classes, groups, alternation, quantifiers).</summary>
    /// <param name="pattern">The pattern; the whole answer must match it.</param>
    public static ResponseFormat Regex(string pattern) => new RegexResponseFormat(pattern);

    /// <summary>
    /// Exactly one call, in Qwen's markup (<c>&lt;tool_call&gt;\n{"name": ..., "arguments": ...}\n&lt;/tool_call&gt;</c>), of one
    /// of <paramref name="tools"/>, its arguments valid against that tool's parameter schema: a required tool mode.
    /// </summary>
    /// <param name="tools">The functions, at least one.</param>
    public static ResponseFormat ToolCall(IEnumerable<QwenTool> tools) => new ToolCallResponseFormat(ToolsJson(tools));

    /// <summary>
    /// Free text or tool calls, the model's choice: an auto tool mode. Text never contains <c>&lt;tool_call&gt;</c>; once the
    /// model opens one, it writes one or more complete calls as <see cref="ToolCall"/> does (joined by a newline, the
    /// answer ending after the last), so no call comes out malformed. Text may come before the first call. A tool whose
    /// parameter schema is outside the supported subset takes any JSON object as arguments (where <see cref="ToolCall"/>
    /// would throw <see cref="NotSupportedException"/>), so offering it never fails the request.
    /// </summary>
    /// <param name="tools">The functions, at least one.</param>
    public static ResponseFormat TextOrToolCall(IEnumerable<QwenTool> tools) => new TextOrToolCallResponseFormat(ToolsJson(tools));

    /// <summary>Whether this is <see cref="Text"/> (no constraint).</summary>
    public bool IsText => this is TextResponseFormat;

    private static string ToolsJson(IEnumerable<QwenTool> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var list = tools.Select(t => new Dictionary<string, object?> { ["name"] = t.Name, ["parameters"] = t.ParametersSchema }).ToList();
        return list.Count == 0
            ? throw new ArgumentException("A tool call needs at least one tool.", nameof(tools))
            : System.Text.Json.JsonSerializer.Serialize(list);
    }
}

/// <summary>Free text.</summary>
public sealed record TextResponseFormat : ResponseFormat;

/// <summary>Any JSON object.</summary>
public sealed record JsonObjectResponseFormat : ResponseFormat;

/// <summary>A JSON value valid against <paramref name="Schema"/>.</summary>
/// <param name="Schema">The JSON Schema document, as JSON text.</param>
public sealed record JsonSchemaResponseFormat(string Schema) : ResponseFormat;

/// <summary>Text that fully matches <paramref name="Pattern"/>.</summary>
/// <param name="Pattern">The regular expression.</param>
public sealed record RegexResponseFormat(string Pattern) : ResponseFormat;

/// <summary>One Qwen tool call of one of the tools in <paramref name="Tools"/>.</summary>
/// <param name="Tools">A JSON array of <c>{"name": ..., "parameters": schema or null}</c>.</param>
public sealed record ToolCallResponseFormat(string Tools) : ResponseFormat;

/// <summary>Free text without <c>&lt;tool_call&gt;</c>, optionally followed by Qwen tool calls of the tools in <paramref name="Tools"/>.</summary>
/// <param name="Tools">A JSON array of <c>{"name": ..., "parameters": schema or null}</c>.</param>
public sealed record TextOrToolCallResponseFormat(string Tools) : ResponseFormat;
