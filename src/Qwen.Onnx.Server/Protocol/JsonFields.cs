using System.Text.Json;

namespace Qwen.Onnx.Server.Protocol;

/// <summary>Typed reads of request fields; a field of the wrong type is a 400 naming its path (OpenAI's <c>param</c>).</summary>
internal static class JsonFields
{
    public static JsonElement? Optional(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public static JsonElement Required(JsonElement parent, string name, string path) =>
        Optional(parent, name) ?? throw ApiError.Invalid(path, $"Missing required parameter: '{path}'.", "missing_required_parameter");

    public static string RequiredString(JsonElement parent, string name, string path) => AsString(Required(parent, name, path), path);

    public static string? OptionalString(JsonElement parent, string name, string path) =>
        Optional(parent, name) is JsonElement value ? AsString(value, path) : null;

    public static string AsString(JsonElement value, string path) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw WrongType(path, "a string", value);

    public static JsonElement Object(JsonElement value, string path) =>
        value.ValueKind == JsonValueKind.Object ? value : throw WrongType(path, "an object", value);

    public static JsonElement Array(JsonElement value, string path) =>
        value.ValueKind == JsonValueKind.Array ? value : throw WrongType(path, "an array", value);

    public static bool? OptionalBool(JsonElement parent, string name, string path) => Optional(parent, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        JsonElement other => throw WrongType(path, "a boolean", other),
    };

    public static int? OptionalInt(JsonElement parent, string name, string path, int min, int max)
    {
        if (Optional(parent, name) is not JsonElement value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out long number))
        {
            throw WrongType(path, "an integer", value);
        }

        return number >= min && number <= max
            ? (int)number
            : throw ApiError.Invalid(path, $"Invalid '{path}': {number} is out of range; it must be between {min} and {max}.", "integer_out_of_range");
    }

    public static double? OptionalNumber(JsonElement parent, string name, string path, double min, double max)
    {
        if (Optional(parent, name) is not JsonElement value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double number))
        {
            throw WrongType(path, "a number", value);
        }

        return number >= min && number <= max
            ? number
            : throw ApiError.Invalid(path, $"Invalid '{path}': {number} is out of range; it must be between {min} and {max}.", "decimal_out_of_range");
    }

    public static ApiError WrongType(string path, string expected, JsonElement got) =>
        ApiError.Invalid(path, $"Invalid type for '{path}': expected {expected}, but got {Describe(got.ValueKind)}.", "invalid_type");

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
