using System.Text.Json;
using System.Text.RegularExpressions;
using Qwen.Onnx.Server.Media;
using Microsoft.Extensions.AI;

namespace Qwen.Onnx.Server.Protocol;

/// <summary>
/// Reads and validates an OpenAI chat completions body. Every problem is an <see cref="ApiError"/> (400) naming the
/// offending field, so clients see what to fix; nothing the client sent reaches the engine unchecked.
/// </summary>
internal static partial class ChatRequestParser
{
    private static readonly JsonElement EmptyParameters = JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement.Clone();

    public static ChatCompletionRequest Parse(JsonElement root, MediaLimits limits, int defaultMaxTokens)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw JsonFields.WrongType("body", "a JSON object", root);
        }

        string model = JsonFields.RequiredString(root, "model", "model");
        var modalities = new HashSet<string>(StringComparer.Ordinal);
        List<ChatMessage> messages = MessageParser.ParseAll(JsonFields.Array(JsonFields.Required(root, "messages", "messages"), "messages"), limits, modalities);
        if (JsonFields.OptionalInt(root, "n", "n", int.MinValue, int.MaxValue) is int n && n != 1)
        {
            throw ApiError.Invalid("n", $"Invalid 'n': {n}. This server generates one choice per request; send n = 1 or leave it out.", "unsupported_value");
        }

        ChatOptions options = Options(root, defaultMaxTokens);
        bool stream = JsonFields.OptionalBool(root, "stream", "stream") ?? false;
        bool includeUsage = JsonFields.Optional(root, "stream_options") is JsonElement streamOptions
            && (JsonFields.OptionalBool(JsonFields.Object(streamOptions, "stream_options"), "include_usage", "stream_options.include_usage") ?? false);
        var format = ResponseFormatSpec.Parse(JsonFields.Optional(root, "response_format"));
        return new ChatCompletionRequest(model, messages, options, stream, includeUsage, format, modalities);
    }

    private static ChatOptions Options(JsonElement root, int defaultMaxTokens)
    {
        int maxTokens = JsonFields.OptionalInt(root, "max_completion_tokens", "max_completion_tokens", 1, int.MaxValue)
            ?? JsonFields.OptionalInt(root, "max_tokens", "max_tokens", 1, int.MaxValue)
            ?? defaultMaxTokens;
        double? temperature = JsonFields.OptionalNumber(root, "temperature", "temperature", 0, 2);
        double? topP = JsonFields.OptionalNumber(root, "top_p", "top_p", 0, 1);
        int? seed = JsonFields.OptionalInt(root, "seed", "seed", int.MinValue, int.MaxValue);

        // Temperature 0 (or top_p 0) asks for the most likely token: greedy decoding, which is the engine's default
        // when no sampling option is set.
        bool greedy = temperature == 0 || topP == 0;
        var options = new ChatOptions
        {
            MaxOutputTokens = maxTokens,
            Temperature = greedy ? null : (float?)temperature,
            TopP = greedy ? null : (float?)topP,
            Seed = seed,
            StopSequences = Stops(JsonFields.Optional(root, "stop")),
        };
        ToolParser.Apply(root, options);
        return options;
    }

    private static List<string>? Stops(JsonElement? stop)
    {
        if (stop is not JsonElement value)
        {
            return null;
        }

        List<string> stops = value.ValueKind == JsonValueKind.String
            ? [value.GetString()!]
            : [.. JsonFields.Array(value, "stop").EnumerateArray().Select((s, i) => JsonFields.AsString(s, $"stop[{i}]"))];
        if (stops.Count > 16 || stops.Any(s => s.Length == 0))
        {
            throw ApiError.Invalid("stop", "Invalid 'stop': give at most 16 non-empty strings.", "invalid_value");
        }

        return stops;
    }

    /// <summary>OpenAI's rule for function and schema names.</summary>
    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}$")]
    internal static partial Regex NamePattern();

    internal static JsonElement DefaultParameters => EmptyParameters;
}
