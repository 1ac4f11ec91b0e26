using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Qwen.Onnx.Multimodal.Prompts;

/// <summary>
/// JSON as the <c>tojson</c> filter of Hugging Face chat templates writes it, which is Python's
/// <c>json.dumps(value, ensure_ascii=False)</c>: <c>", "</c> between items, <c>": "</c> after keys, non-ASCII text as
/// is. Tool signatures and earlier call arguments must reach the model in the bytes it was trained on.
/// </summary>
internal static class PythonJson
{
    public static StringBuilder Append(StringBuilder text, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                text.Append('{');
                string separator = "";
                foreach (JsonProperty property in value.EnumerateObject())
                {
                    AppendString(text.Append(separator), property.Name).Append(": ");
                    Append(text, property.Value);
                    separator = ", ";
                }

                return text.Append('}');
            case JsonValueKind.Array:
                text.Append('[');
                separator = "";
                foreach (JsonElement item in value.EnumerateArray())
                {
                    Append(text.Append(separator), item);
                    separator = ", ";
                }

                return text.Append(']');
            case JsonValueKind.String:
                return AppendString(text, value.GetString()!);
            default:
                // Numbers keep the caller's spelling; true, false and null are spelled alike in both languages.
                return text.Append(value.GetRawText());
        }
    }

    public static StringBuilder AppendString(StringBuilder text, string value)
    {
        text.Append('"');
        foreach (char c in value)
        {
            _ = c switch
            {
                '"' => text.Append("\\\""),
                '\\' => text.Append("\\\\"),
                '\n' => text.Append("\\n"),
                '\r' => text.Append("\\r"),
                '\t' => text.Append("\\t"),
                '\b' => text.Append("\\b"),
                '\f' => text.Append("\\f"),
                < ' ' => text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)),
                _ => text.Append(c),
            };
        }

        return text.Append('"');
    }
}
