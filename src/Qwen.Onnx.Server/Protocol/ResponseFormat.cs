using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Qwen.Onnx.Server.Protocol;

/// <summary>The kinds of OpenAI's <c>response_format</c>.</summary>
internal enum ResponseFormatKind
{
    Text,
    JsonObject,
    JsonSchema,
}

/// <summary>A validated <c>response_format</c>: <c>text</c>, <c>json_object</c>, or <c>json_schema</c> with its name, schema and strictness.</summary>
internal sealed record ResponseFormatSpec(ResponseFormatKind Kind, string? Name = null, string? Description = null, JsonElement? Schema = null, bool Strict = false)
{
    public static readonly ResponseFormatSpec Text = new(ResponseFormatKind.Text);

    public static ResponseFormatSpec Parse(JsonElement? value)
    {
        if (value is not JsonElement format)
        {
            return Text;
        }

        JsonFields.Object(format, "response_format");
        return JsonFields.RequiredString(format, "type", "response_format.type") switch
        {
            "text" => Text,
            "json_object" => new ResponseFormatSpec(ResponseFormatKind.JsonObject),
            "json_schema" => ParseSchema(JsonFields.Object(JsonFields.Required(format, "json_schema", "response_format.json_schema"), "response_format.json_schema")),
            string other => throw ApiError.Invalid("response_format.type", $"Invalid value for 'response_format.type': '{other}'. Supported values are 'text', 'json_object' and 'json_schema'.", "invalid_value"),
        };
    }

    private static ResponseFormatSpec ParseSchema(JsonElement spec)
    {
        string name = JsonFields.RequiredString(spec, "name", "response_format.json_schema.name");
        if (!ChatRequestParser.NamePattern().IsMatch(name))
        {
            throw ApiError.Invalid("response_format.json_schema.name", $"Invalid 'response_format.json_schema.name': '{name}'. It must be 1 to 64 characters of a-z, A-Z, 0-9, underscores and dashes.", "invalid_value");
        }

        JsonElement? schema = JsonFields.Optional(spec, "schema") is JsonElement s ? JsonFields.Object(s, "response_format.json_schema.schema").Clone() : null;
        return new ResponseFormatSpec(
            ResponseFormatKind.JsonSchema,
            name,
            JsonFields.OptionalString(spec, "description", "response_format.json_schema.description"),
            schema,
            JsonFields.OptionalBool(spec, "strict", "response_format.json_schema.strict") ?? false);
    }
}

/// <summary>
/// The one place where <c>response_format</c> meets the engine. Plain text needs nothing. JSON output needs the
/// constrained decoding of the structured-output work; until the engine offers it, JSON formats are refused with a
/// clear 400 rather than answered unconstrained.
/// </summary>
internal static class ResponseFormatMapping
{
    public static void Apply(ResponseFormatSpec spec, ChatOptions options)
    {
        _ = options;
        if (spec.Kind != ResponseFormatKind.Text)
        {
            string kind = spec.Kind == ResponseFormatKind.JsonObject ? "json_object" : "json_schema";
            throw new ApiError(400, $"response_format '{kind}' is not supported by this server yet: Qwen.Onnx cannot constrain the output to JSON. Send response_format 'text' (or none) and ask for JSON in the prompt.", "response_format.type", "unsupported_response_format");
        }
    }
}
