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

    /// <summary>Whether this is <see cref="Text"/> (no constraint).</summary>
    public bool IsText => this is TextResponseFormat;
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
