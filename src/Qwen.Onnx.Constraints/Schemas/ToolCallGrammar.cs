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

    private const string Open = "<tool_call>";

    /// <summary>The characters auto mode's text runs are made of: all but '&lt;', which may open a call.</summary>
    public static CodePointSet TextCharacters { get; } = CodePointSet.Any.Except(CodePointSet.Single('<'));

    public static Language Compile(string tools) => Calls(tools, lenient: false);

    /// <summary>
    /// An auto tool mode: text that never contains <c>&lt;tool_call&gt;</c>, then optionally calls joined by a newline
    /// (as Qwen's templates render several). Opening the markup commits the model to a complete, valid call. A tool
    /// whose parameter schema is outside the supported subset takes any JSON object as arguments instead of failing
    /// the request: auto mode is the default whenever tools are offered, and such tools worked before it was constrained.
    /// </summary>
    public static Language CompileTextOrCalls(string tools)
    {
        Language call = Calls(tools, lenient: true);
        Language calls = Language.Sequence(call, Language.Repeat(Language.Sequence(Language.Char('\n'), call), 0, null));
        return Language.Sequence(TextWithoutOpen(), Language.Optional(calls));
    }

    /// <summary>
    /// Text without the substring <c>&lt;tool_call&gt;</c>, written out as the regular expression of its matcher, since
    /// languages have no complement. '&lt;' occurs in the marker only first, so a mismatch after a partial marker
    /// falls back to "no progress" (or to a fresh partial marker on '&lt;'): the text is runs of non-'&lt;' characters,
    /// and chunks of '&lt;', a proper part of the rest of the marker, and either nothing more (end, or the next '&lt;')
    /// or a character that breaks the marker followed by a run.
    /// </summary>
    private static Language TextWithoutOpen()
    {
        CodePointSet notOpen = TextCharacters;
        Language run = Language.Repeat(Language.Chars(notOpen), 0, null);
        var partials = new List<Language>();
        for (int read = 1; read < Open.Length; read++)
        {
            Language breaker = Language.Chars(notOpen.Except(CodePointSet.Single(Open[read])));
            partials.Add(Language.Sequence(Language.Literal(Open[1..read]), Language.Optional(Language.Sequence(breaker, run))));
        }

        return Language.Sequence(run, Language.Repeat(Language.Sequence(Language.Char('<'), Language.Choice([.. partials])), 0, null));
    }

    private static Language Calls(string tools, bool lenient)
    {
        using JsonDocument document = JsonDocument.Parse(tools);
        return Language.Choice([.. document.RootElement.EnumerateArray().Select(t => Call(t, lenient))]);
    }

    private static Language Call(JsonElement tool, bool lenient)
    {
        string name = tool.GetProperty("name").GetString()!;
        JsonElement parameters = tool.GetProperty("parameters");
        Language arguments = parameters.ValueKind == JsonValueKind.Null ? Language.Literal("{}") : Arguments(parameters.GetRawText(), lenient);
        return Language.Sequence(
            Language.Literal($"{Open}\n{{\"name\": {JsonSerializer.Serialize(name, Compact)}, \"arguments\": "),
            arguments,
            Language.Literal("}\n</tool_call>"));
    }

    private static Language Arguments(string schema, bool lenient)
    {
        try
        {
            return JsonSchemaCompiler.Compile(schema);
        }
        catch (NotSupportedException) when (lenient)
        {
            return JsonText.AnyObject();
        }
    }
}
