using System.Text.Json;
using Microsoft.Extensions.AI;
using Qwen.Onnx.Server.Media;

namespace Qwen.Onnx.Server.Protocol;

/// <summary>Turns OpenAI <c>messages</c> into Microsoft.Extensions.AI messages: text, image and audio parts, tool calls and results.</summary>
internal static class MessageParser
{
    public static List<ChatMessage> ParseAll(JsonElement messages, MediaLimits limits, HashSet<string> modalities)
    {
        var parsed = new List<ChatMessage>(messages.GetArrayLength());
        int index = 0;
        foreach (JsonElement message in messages.EnumerateArray())
        {
            parsed.Add(Parse(JsonFields.Object(message, $"messages[{index}]"), $"messages[{index}]", limits, modalities));
            index++;
        }

        return parsed.Count > 0 ? parsed : throw ApiError.Invalid("messages", "Invalid 'messages': empty array. Send at least one message.", "empty_array");
    }

    private static ChatMessage Parse(JsonElement message, string path, MediaLimits limits, HashSet<string> modalities)
    {
        string role = JsonFields.RequiredString(message, "role", path + ".role");
        return role switch
        {
            "system" or "developer" => new ChatMessage(ChatRole.System, TextOnly(message, path)),
            "user" => new ChatMessage(ChatRole.User, UserContent(JsonFields.Required(message, "content", path + ".content"), path + ".content", limits, modalities)),
            "assistant" => Assistant(message, path),
            "tool" => new ChatMessage(ChatRole.Tool, [new FunctionResultContent(JsonFields.RequiredString(message, "tool_call_id", path + ".tool_call_id"), TextOnly(message, path))]),
            _ => throw ApiError.Invalid(path + ".role", $"Invalid value for '{path}.role': '{role}'. Supported values are 'system', 'developer', 'user', 'assistant' and 'tool'.", "invalid_value"),
        };
    }

    private static ChatMessage Assistant(JsonElement message, string path)
    {
        var contents = new List<AIContent>();
        if (JsonFields.Optional(message, "content") is not null)
        {
            contents.Add(new TextContent(TextOnly(message, path)));
        }

        if (JsonFields.Optional(message, "tool_calls") is JsonElement calls)
        {
            int index = 0;
            foreach (JsonElement call in JsonFields.Array(calls, path + ".tool_calls").EnumerateArray())
            {
                contents.Add(ToolParser.Call(JsonFields.Object(call, $"{path}.tool_calls[{index}]"), $"{path}.tool_calls[{index}]"));
                index++;
            }
        }

        return contents.Count > 0 ? new ChatMessage(ChatRole.Assistant, contents)
            : throw ApiError.Invalid(path + ".content", $"Missing '{path}.content': an assistant message needs content or tool_calls.", "missing_required_parameter");
    }

    /// <summary>System, assistant and tool messages: a string, or an array of text parts.</summary>
    private static string TextOnly(JsonElement message, string path)
    {
        JsonElement content = JsonFields.Required(message, "content", path + ".content");
        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString()!;
        }

        var text = new System.Text.StringBuilder();
        int index = 0;
        foreach (JsonElement part in JsonFields.Array(content, path + ".content").EnumerateArray())
        {
            string partPath = $"{path}.content[{index++}]";
            string type = JsonFields.RequiredString(JsonFields.Object(part, partPath), "type", partPath + ".type");
            text.Append(type == "text"
                ? JsonFields.RequiredString(part, "text", partPath + ".text")
                : throw ApiError.Invalid(partPath + ".type", $"Invalid '{partPath}.type': '{type}'. Only user messages may carry images or audio; this message takes text parts only.", "invalid_value"));
        }

        return text.ToString();
    }

    private static List<AIContent> UserContent(JsonElement content, string path, MediaLimits limits, HashSet<string> modalities)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            return [new TextContent(content.GetString())];
        }

        var parts = new List<AIContent>();
        int index = 0;
        foreach (JsonElement part in JsonFields.Array(content, path).EnumerateArray())
        {
            string partPath = $"{path}[{index++}]";
            string type = JsonFields.RequiredString(JsonFields.Object(part, partPath), "type", partPath + ".type");
            parts.Add(type switch
            {
                "text" => new TextContent(JsonFields.RequiredString(part, "text", partPath + ".text")),
                "image_url" => Image(JsonFields.Required(part, "image_url", partPath + ".image_url"), partPath + ".image_url", limits, modalities),
                "input_audio" => Audio(JsonFields.Object(JsonFields.Required(part, "input_audio", partPath + ".input_audio"), partPath + ".input_audio"), partPath + ".input_audio", limits, modalities),
                _ => throw ApiError.Invalid(partPath + ".type", $"Invalid '{partPath}.type': '{type}'. Supported content parts are 'text', 'image_url' and 'input_audio'.", "invalid_value"),
            });
        }

        return parts.Count > 0 ? parts : throw ApiError.Invalid(path, $"Invalid '{path}': empty array. Send at least one content part.", "empty_array");
    }

    private static AIContent Image(JsonElement imageUrl, string path, MediaLimits limits, HashSet<string> modalities)
    {
        // Like Ollama and llama.cpp, accept the bare-string form as well as {"url": ...}.
        string url = imageUrl.ValueKind == JsonValueKind.String ? imageUrl.GetString()! : JsonFields.RequiredString(JsonFields.Object(imageUrl, path), "url", path + ".url");
        modalities.Add("image");
        return DataUri.IsDataUri(url) ? DataUri.DecodeImage(url, path + ".url", limits.MaxBytes) : RemoteMedia.Reference(url, path + ".url", limits);
    }

    private static DataContent Audio(JsonElement audio, string path, MediaLimits limits, HashSet<string> modalities)
    {
        string format = JsonFields.RequiredString(audio, "format", path + ".format");
        string mediaType = format switch
        {
            "wav" => "audio/wav",
            "mp3" => "audio/mpeg",
            _ => throw ApiError.Invalid(path + ".format", $"Invalid '{path}.format': '{format}'. Supported values are 'wav' and 'mp3'.", "invalid_value"),
        };
        string data = JsonFields.RequiredString(audio, "data", path + ".data");
        modalities.Add("audio");
        return new DataContent(DataUri.DecodeBase64(data, path + ".data", limits.MaxBytes), mediaType);
    }
}
