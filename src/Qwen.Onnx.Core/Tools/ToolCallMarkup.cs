using System.Text.Json;

namespace Qwen.Onnx;

/// <summary>
/// Reads Qwen's tool-call markup out of an answer: each <c>&lt;tool_call&gt;</c> … <c>&lt;/tool_call&gt;</c> block
/// holding a JSON object with a string <c>name</c> and an object <c>arguments</c> becomes a <see cref="QwenToolCall"/>.
/// A block that is unfinished or not such JSON stays in the text, so nothing the model said is lost.
/// </summary>
public static class ToolCallMarkup
{
    /// <summary>The tag that opens a call.</summary>
    public const string Open = "<tool_call>";

    /// <summary>The tag that closes a call.</summary>
    public const string Close = "</tool_call>";

    /// <summary>Separates the calls from the rest of an answer.</summary>
    /// <param name="text">The model's answer.</param>
    /// <returns>The answer without the calls' blocks (trimmed), and the calls in order.</returns>
    public static (string Content, IReadOnlyList<QwenToolCall> Calls) Extract(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var calls = new List<QwenToolCall>();
        var content = new System.Text.StringBuilder();
        int position = 0;
        while (text.IndexOf(Open, position, StringComparison.Ordinal) is int start and >= 0)
        {
            int end = text.IndexOf(Close, start + Open.Length, StringComparison.Ordinal);
            if (end < 0)
            {
                break;
            }

            content.Append(text, position, start - position);
            if (TryParse(text.AsSpan(start + Open.Length, end - start - Open.Length), out QwenToolCall? call))
            {
                calls.Add(call);
            }
            else
            {
                content.Append(text, start, end + Close.Length - start);
            }

            position = end + Close.Length;
        }

        content.Append(text, position, text.Length - position);
        return (calls.Count == 0 ? text : content.ToString().Trim(), calls);
    }

    private static bool TryParse(ReadOnlySpan<char> json, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out QwenToolCall? call)
    {
        call = null;
        try
        {
            using var document = JsonDocument.Parse(json.Trim().ToString());
            JsonElement root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("name", out JsonElement name) && name.ValueKind == JsonValueKind.String && name.GetString() is { Length: > 0 } functionName
                && root.TryGetProperty("arguments", out JsonElement arguments) && arguments.ValueKind == JsonValueKind.Object)
            {
                call = new QwenToolCall(functionName, arguments);
            }
        }
        catch (JsonException)
        {
            // Not a call: the block stays text.
        }

        return call is not null;
    }
}
