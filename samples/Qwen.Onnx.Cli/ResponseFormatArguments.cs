using System.CommandLine;
using Qwen.Onnx.Constraints;

namespace Qwen.Onnx.Cli;

/// <summary><c>--json-schema FILE</c>, <c>--json-object</c> and <c>--regex PATTERN</c>: the constraint on the answer.</summary>
internal sealed class ResponseFormatArguments
{
    public Option<FileInfo?> JsonSchema { get; } = new("--json-schema") { Description = "Constrain the answer to JSON valid against this JSON Schema file." };

    public Option<bool> JsonObject { get; } = new("--json-object") { Description = "Constrain the answer to any JSON object." };

    public Option<string?> Regex { get; } = new("--regex") { Description = "Constrain the answer to text that fully matches this regular expression." };

    public void AddTo(Command command)
    {
        command.Options.Add(JsonSchema);
        command.Options.Add(JsonObject);
        command.Options.Add(Regex);
        command.Validators.Add(r =>
        {
            if ((r.GetValue(JsonSchema) is null ? 0 : 1) + (r.GetValue(JsonObject) ? 1 : 0) + (r.GetValue(Regex) is null ? 0 : 1) > 1)
            {
                r.AddError("Give at most one of --json-schema, --json-object and --regex.");
            }
        });
    }

    /// <summary>The format asked for, checked before any model loads (an unsupported keyword fails here, naming it).</summary>
    public ResponseFormat Format(ParseResult result)
    {
        ResponseFormat format = result.GetValue(JsonSchema) is { } file ? ResponseFormat.JsonSchema(File.ReadAllText(file.FullName))
            : result.GetValue(JsonObject) ? ResponseFormat.JsonObject
            : result.GetValue(Regex) is { } pattern ? ResponseFormat.Regex(pattern)
            : ResponseFormat.Text;
        if (!format.IsText)
        {
            ConstraintCompiler.Validate(format);
        }

        return format;
    }
}
