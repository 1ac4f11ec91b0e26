using System.Text.Json;
using System.Text.Json.Serialization;
using Qwen.Onnx;

namespace Qwen.Onnx.Cli;

/// <summary>The JSON contract of <c>run --json</c>; other tools parse it, so names are stable.</summary>
internal sealed record RunResult(
    string Text,
    IReadOnlyList<int> TokenIds,
    int PromptTokens,
    int CompletionTokens,
    string FinishReason,
    string Device,
    RunTimings Timings)
{
    public static RunResult From(QwenModel model, QwenChatResponse response) => new(
        response.Text,
        response.TokenIds,
        response.Usage.PromptTokens,
        response.Usage.CompletionTokens,
        response.FinishReason.ToString().ToLowerInvariant(),
        ExecutionProviderPackages.ShortName(model.Provider),
        new RunTimings(model.LoadTime.TotalMilliseconds, response.Timings.TimeToFirstToken.TotalMilliseconds, response.Timings.TokensPerSecond));
}

/// <summary>Timings of <c>run --json</c>.</summary>
internal sealed record RunTimings(double LoadMs, double TtftMs, double TokensPerSecond);

/// <summary>snake_case JSON, as the CLI contract names its fields.</summary>
internal static class CliJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
