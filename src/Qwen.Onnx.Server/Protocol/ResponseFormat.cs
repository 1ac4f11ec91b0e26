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
/// The one place where <c>response_format</c> meets the engine: JSON formats become the <see cref="ChatOptions.ResponseFormat"/>
/// that <c>QwenChatClient</c> turns into constrained decoding (any JSON object, or the given schema), so the answer is
/// valid JSON on every engine. A schema the constraint engine cannot honour fails the request with a 400 naming the
/// keyword (the engine's <see cref="NotSupportedException"/>).
/// </summary>
internal static class ResponseFormatMapping
{
    public static void Apply(ResponseFormatSpec spec, ChatOptions options) => options.ResponseFormat = spec.Kind switch
    {
        ResponseFormatKind.JsonSchema when spec.Schema is JsonElement schema => ChatResponseFormat.ForJsonSchema(schema, spec.Name, spec.Description),
        ResponseFormatKind.JsonSchema or ResponseFormatKind.JsonObject => ChatResponseFormat.Json,
        _ => null,
    };
}
