using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Qwen.Onnx.Extensions.AI;

/// <summary>
/// Turns Microsoft.Extensions.AI messages and options into a <see cref="QwenChatRequest"/>; which
/// <see cref="ChatOptions"/> members map and which are ignored is listed on <see cref="QwenChatClient"/>.
/// </summary>
internal static class ChatRequestMapping
{
    public static QwenChatRequest ToRequest(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        var mapped = new List<QwenChatMessage>();
        if (options?.Instructions is { Length: > 0 } instructions)
        {
            mapped.Add(QwenChatMessage.System(instructions));
        }

        foreach (ChatMessage message in messages)
        {
            // Each function result is a tool message of its own; the template groups them into one turn.
            var results = message.Contents.OfType<FunctionResultContent>().ToList();
            if (results.Count > 0)
            {
                mapped.AddRange(results.Select(r => new QwenChatMessage(QwenChatRole.Tool, [ResultText(r.Result)])));
                continue;
            }

            QwenChatRole role = ToRole(message.Role);
            var parts = message.Contents.Select(ToPart).OfType<ContentPart>().ToList();
            mapped.Add(new QwenChatMessage(role, parts.Count == 0 ? [new TextPart(string.Empty)] : parts)
            {
                ToolCalls = [.. message.Contents.OfType<FunctionCallContent>().Select(c => new QwenToolCall(c.Name, JsonSerializer.SerializeToElement(c.Arguments ?? new Dictionary<string, object?>(), ToolJson.Options)))],
            });
        }

        QwenTool[] tools = ToTools(options);
        GenerationOptions generation = ToOptions(options);
        return new QwenChatRequest(mapped, generation with { ResponseFormat = ToolFormat(options, tools, generation.ResponseFormat) }) { Tools = tools };
    }

    private static QwenTool[] ToTools(ChatOptions? options) =>
        options?.Tools is not { Count: > 0 } tools || options.ToolMode is NoneChatToolMode ? [] : [.. tools.Select(tool => tool switch
        {
            AIFunctionDeclaration function => new QwenTool(function.Name, function.Description, function.JsonSchema),
            _ => throw new UnsupportedRequestException($"Tool '{tool.Name}' ({tool.GetType().Name}) is not a function; Qwen models call functions only (AIFunction or AIFunctionDeclaration)."),
        })];

    private static string ResultText(object? result) => result switch
    {
        null => "null",
        string text => text,
        JsonElement json => json.GetRawText(),
        _ => JsonSerializer.Serialize(result, ToolJson.Options),
    };

    private static QwenChatRole ToRole(ChatRole role) =>
        role == ChatRole.System ? QwenChatRole.System
        : role == ChatRole.Assistant ? QwenChatRole.Assistant
        : role == ChatRole.Tool ? QwenChatRole.Tool
        : role == ChatRole.User ? QwenChatRole.User
        : throw new UnsupportedRequestException($"The chat role '{role}' has no Qwen equivalent; use system, user, assistant or tool.");

    private static ContentPart? ToPart(AIContent content) => content switch
    {
        TextContent text => new TextPart(text.Text),
        DataContent data when data.HasTopLevelMediaType("image") => ImagePart.FromBytes(data.Data),
        DataContent data when data.HasTopLevelMediaType("audio") => AudioPart.FromBytes(data.Data),
        UriContent uri when uri.Uri.IsFile && uri.HasTopLevelMediaType("image") => ImagePart.FromFile(uri.Uri.LocalPath),
        UriContent uri when uri.Uri.IsFile && uri.HasTopLevelMediaType("audio") => AudioPart.FromFile(uri.Uri.LocalPath),
        DataContent { MediaType: var type } when type.StartsWith("video/", StringComparison.OrdinalIgnoreCase) => throw new UnsupportedRequestException(
            $"Video files ({type}) cannot be decoded by Qwen.Onnx: extract frames (e.g. ffmpeg -vf fps=2) and send them as a Qwen.Onnx.VideoPart through QwenModel, or as images."),
        DataContent or UriContent => throw new UnsupportedRequestException($"Content of type {((content as DataContent)?.MediaType ?? (content as UriContent)?.MediaType)} is not supported: send text, image/* or audio/* data, or local file URIs."),
        _ => null,
    };

    private static GenerationOptions ToOptions(ChatOptions? options)
    {
        if (options is null)
        {
            return new GenerationOptions();
        }

        return new GenerationOptions
        {
            MaxNewTokens = options.MaxOutputTokens ?? new GenerationOptions().MaxNewTokens,
            Temperature = options.Temperature,
            TopP = options.TopP,
            TopK = options.TopK,
            Seed = options.Seed is long seed ? unchecked((int)seed) : null,
            StopSequences = options.StopSequences is { } stops ? [.. stops] : [],
            RepetitionPenalty = Additional<float>(options, "repetition_penalty"),
            EnableThinking = Additional<bool>(options, "enable_thinking") ?? options.Reasoning?.Effort switch
            {
                null => null,
                ReasoningEffort.None => false,
                _ => true,
            },
            ResponseFormat = ToFormat(options.ResponseFormat),
        };
    }

    /// <summary>
    /// An additional property as <typeparamref name="T"/>: CLR values through <c>AdditionalPropertiesDictionary.TryGetValue&lt;T&gt;</c>
    /// (which converts IConvertible values), JSON values through the serializer.
    /// </summary>
    /// <exception cref="ArgumentException">The property is present but is not a <typeparamref name="T"/>.</exception>
    private static T? Additional<T>(ChatOptions options, string name)
        where T : struct
    {
        if (options.AdditionalProperties is not { } properties || !properties.TryGetValue(name, out object? raw) || raw is null)
        {
            return null;
        }

        try
        {
            return raw is JsonElement json ? json.Deserialize<T>(ToolJson.Options)
                : properties.TryGetValue(name, out T value) ? value
                : throw new InvalidCastException();
        }
        catch (Exception e) when (e is JsonException or InvalidCastException or FormatException)
        {
            throw new ArgumentException($"ChatOptions.AdditionalProperties[\"{name}\"] must be a {(typeof(T) == typeof(bool) ? "boolean" : "number")}; it is {raw}.", nameof(options), e);
        }
    }

    /// <summary>
    /// A required tool mode (any tool, or the named one) constrains the answer to one call; auto (also when no mode is
    /// set: OpenAI's default with tools) to text or valid calls, unless a JSON response format asks for JSON instead.
    /// No tools (none mode drops them) leaves the requested format.
    /// </summary>
    private static ResponseFormat ToolFormat(ChatOptions? options, QwenTool[] tools, ResponseFormat requested) => tools.Length == 0 ? requested : options?.ToolMode switch
    {
        RequiredChatToolMode { RequiredFunctionName: string name } => ResponseFormat.ToolCall([RequiredTool(tools, name)]),
        RequiredChatToolMode => ResponseFormat.ToolCall(tools),
        _ when requested.IsText => ResponseFormat.TextOrToolCall(tools),
        _ => requested,
    };

    private static QwenTool RequiredTool(QwenTool[] tools, string name) =>
        Array.Find(tools, t => t.Name == name) ?? throw new ArgumentException($"The required function '{name}' is not among the tools; add it to ChatOptions.Tools or name one that is.", nameof(name));

    /// <summary>JSON without a schema is any JSON object; with one (as <c>GetResponseAsync&lt;T&gt;</c> sends) the constraint follows it.</summary>
    private static ResponseFormat ToFormat(ChatResponseFormat? format) => format switch
    {
        ChatResponseFormatJson { Schema: JsonElement schema } => ResponseFormat.JsonSchema(schema.GetRawText()),
        ChatResponseFormatJson => ResponseFormat.JsonObject,
        _ => ResponseFormat.Text,
    };
}
