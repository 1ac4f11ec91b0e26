using System.Text.Json;
using System.Text.RegularExpressions;

namespace Qwen.Onnx.Constraints.Tests;

/// <summary>
/// Judges an auto-tool-mode answer without the constraint engine: text with no <c>&lt;tool_call&gt;</c>, or text then
/// calls in Qwen's markup joined by newlines, each naming an offered function with arguments JsonSchema.Net accepts.
/// </summary>
internal static partial class AutoToolOutput
{
    public const string WeatherSchema = """{"type":"object","properties":{"city":{"type":"string","maxLength":12},"unit":{"enum":["celsius","fahrenheit"]}},"required":["city","unit"]}""";
    public const string AlarmSchema = """{"type":"object","properties":{"hour":{"type":"integer","minimum":0,"maximum":23},"label":{"type":["string","null"],"maxLength":8}},"required":["hour"]}""";

    public static Dictionary<string, string> Parameters { get; } = new() { ["get_weather"] = WeatherSchema, ["set_alarm"] = AlarmSchema };

    public static QwenTool[] Tools => [.. Parameters.Select(p => new QwenTool(p.Key, "A function.", JsonDocument.Parse(p.Value).RootElement))];

    /// <summary>Null when <paramref name="text"/> is plain text or text then valid calls; otherwise what is wrong.</summary>
    public static string? Problems(string text)
    {
        int open = text.IndexOf("<tool_call>", StringComparison.Ordinal);
        if (open < 0)
        {
            return null;
        }

        // The first marker ends the text; from there on only call blocks may follow.
        Match match = Calls().Match(text, open);
        return match.Success ? match.Groups["call"].Captures.Select(c => CallProblems(c.Value)).FirstOrDefault(p => p is not null) : "not text followed by well-formed call blocks";
    }

    private static string? CallProblems(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            string name = document.RootElement.GetProperty("name").GetString()!;
            return Parameters.TryGetValue(name, out string? schema)
                ? IndependentValidator.Problems(schema, document.RootElement.GetProperty("arguments").GetRawText())
                : $"unknown function {name}";
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return $"not a call object: {e.Message}";
        }
    }

    // Each block is the markup of Qwen's templates; \G anchors the match where the text ends.
    [GeneratedRegex(@"\G<tool_call>\n(?<call>[^\n]*)\n</tool_call>(?:\n<tool_call>\n(?<call>[^\n]*)\n</tool_call>)*\z")]
    private static partial Regex Calls();
}
