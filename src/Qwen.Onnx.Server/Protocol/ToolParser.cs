using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Qwen.Onnx.Server.Protocol;

/// <summary>OpenAI's <c>tools</c>, <c>tool_choice</c> and assistant <c>tool_calls</c> in Microsoft.Extensions.AI terms.</summary>
internal static class ToolParser
{
    public static void Apply(JsonElement root, ChatOptions options)
    {
        List<AITool> tools = [];
        if (JsonFields.Optional(root, "tools") is JsonElement declared)
        {
            int index = 0;
            foreach (JsonElement tool in JsonFields.Array(declared, "tools").EnumerateArray())
            {
                tools.Add(Declaration(JsonFields.Object(tool, $"tools[{index}]"), $"tools[{index}]"));
                index++;
            }
        }

        options.Tools = tools.Count > 0 ? tools : null;
        options.ToolMode = JsonFields.Optional(root, "tool_choice") is JsonElement choice ? Mode(choice, tools) : null;
    }

    public static FunctionCallContent Call(JsonElement call, string path)
    {
        string id = JsonFields.RequiredString(call, "id", path + ".id");
        JsonElement function = JsonFields.Object(JsonFields.Required(call, "function", path + ".function"), path + ".function");
        string name = JsonFields.RequiredString(function, "name", path + ".function.name");
        string arguments = JsonFields.RequiredString(function, "arguments", path + ".function.arguments");
        return new FunctionCallContent(id, name, Arguments(arguments, path + ".function.arguments"));
    }

    private static Dictionary<string, object?> Arguments(string json, string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(json.Length == 0 ? "{}" : json);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                ? doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone())
                : throw ApiError.Invalid(path, $"Invalid '{path}': the arguments must be a JSON object.", "invalid_value");
        }
        catch (JsonException e)
        {
            throw ApiError.Invalid(path, $"Invalid '{path}': not valid JSON ({e.Message}).", "invalid_value");
        }
    }

    private static AIFunctionDeclaration Declaration(JsonElement tool, string path)
    {
        string type = JsonFields.RequiredString(tool, "type", path + ".type");
        if (type != "function")
        {
            throw ApiError.Invalid(path + ".type", $"Invalid '{path}.type': '{type}'. Only 'function' tools are supported.", "invalid_value");
        }

        JsonElement function = JsonFields.Object(JsonFields.Required(tool, "function", path + ".function"), path + ".function");
        string name = JsonFields.RequiredString(function, "name", path + ".function.name");
        if (!ChatRequestParser.NamePattern().IsMatch(name))
        {
            throw ApiError.Invalid(path + ".function.name", $"Invalid '{path}.function.name': '{name}'. Use 1 to 64 characters of a-z, A-Z, 0-9, underscores and dashes.", "invalid_value");
        }

        JsonElement parameters = JsonFields.Optional(function, "parameters") is JsonElement p ? JsonFields.Object(p, path + ".function.parameters").Clone() : ChatRequestParser.DefaultParameters;
        return AIFunctionFactory.CreateDeclaration(name, JsonFields.OptionalString(function, "description", path + ".function.description"), parameters);
    }

    private static ChatToolMode Mode(JsonElement choice, List<AITool> tools)
    {
        if (choice.ValueKind == JsonValueKind.String)
        {
            return choice.GetString() switch
            {
                "none" => ChatToolMode.None,
                "auto" => ChatToolMode.Auto,
                "required" => ChatToolMode.RequireAny,
                var other => throw ApiError.Invalid("tool_choice", $"Invalid 'tool_choice': '{other}'. Use 'none', 'auto', 'required' or {{\"type\":\"function\",\"function\":{{\"name\":...}}}}.", "invalid_value"),
            };
        }

        JsonElement function = JsonFields.Object(JsonFields.Required(JsonFields.Object(choice, "tool_choice"), "function", "tool_choice.function"), "tool_choice.function");
        string name = JsonFields.RequiredString(function, "name", "tool_choice.function.name");
        return tools.Any(t => t.Name == name) ? ChatToolMode.RequireSpecific(name)
            : throw ApiError.Invalid("tool_choice.function.name", $"Invalid 'tool_choice.function.name': '{name}' is not one of the request's tools.", "invalid_value");
    }
}
