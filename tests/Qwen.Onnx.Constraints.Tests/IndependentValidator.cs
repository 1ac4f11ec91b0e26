using System.Text.Json;
using Json.Schema;

namespace Qwen.Onnx.Constraints.Tests;

/// <summary>JsonSchema.Net (with format validation on) and System.Text.Json judge outputs; the constraint engine never does.</summary>
internal static class IndependentValidator
{
    private static readonly EvaluationOptions Strict = new() { RequireFormatValidation = true, OutputFormat = OutputFormat.List };

    public static string? Problems(string schema, string text)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            return $"not JSON: {e.Message}";
        }

        using (document)
        {
            EvaluationResults results = JsonSchema.FromText(schema).Evaluate(document.RootElement, Strict);
            return results.IsValid ? null : string.Join("; ", (results.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));
        }
    }
}
