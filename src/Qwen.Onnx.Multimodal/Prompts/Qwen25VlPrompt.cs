using System.Text;

namespace Qwen.Onnx.Multimodal.Prompts;

/// <summary>
/// Renders a conversation as Qwen2.5-VL's chat template with its tool branches (models/templates/qwen2.5-vl.jinja):
/// Qwen2-VL's ChatML and placeholders, plus Qwen2.5's tool format. With tools, the system turn (the caller's, or
/// "You are a helpful assistant.") is followed by the <c># Tools</c> section listing each function signature as JSON;
/// earlier calls are <c>&lt;tool_call&gt;</c> blocks in the assistant turn, and consecutive tool results share one user
/// turn of <c>&lt;tool_response&gt;</c> blocks. Without tool content it renders exactly as <see cref="ChatMlPrompt"/>.
/// </summary>
internal static class Qwen25VlPrompt
{
    private const string ToolsPreamble = "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>";
    private const string ToolsPostamble = "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n";

    public static string Render(IReadOnlyList<QwenChatMessage> messages, IReadOnlyList<QwenTool> tools)
    {
        var text = new StringBuilder();
        int first = AppendSystem(text, messages, tools);
        for (int m = first; m < messages.Count; m++)
        {
            QwenChatMessage message = messages[m];
            if (message.Role == QwenChatRole.Tool)
            {
                AppendToolResult(text, message, opens: m == 0 || messages[m - 1].Role != QwenChatRole.Tool, closes: m == messages.Count - 1 || messages[m + 1].Role != QwenChatRole.Tool);
            }
            else if (message.ToolCalls.Count > 0)
            {
                AppendCalls(text, message);
            }
            else
            {
                int audioPart = 0, audioNumber = 0;
                text.Append("<|im_start|>").Append(message.Role.ToString().ToLowerInvariant()).Append('\n');
                ChatMlPrompt.AppendParts(text, message.Parts, null, ref audioPart, ref audioNumber);
                text.Append("<|im_end|>\n");
            }
        }

        return text.Append("<|im_start|>assistant\n").ToString();
    }

    /// <summary>Writes the system turn the template writes itself; returns the first message still to render.</summary>
    private static int AppendSystem(StringBuilder text, IReadOnlyList<QwenChatMessage> messages, IReadOnlyList<QwenTool> tools)
    {
        bool ownSystem = messages.Count > 0 && messages[0].Role == QwenChatRole.System;
        if (tools.Count == 0)
        {
            if (!ownSystem)
            {
                text.Append("<|im_start|>system\n").Append(ChatMlPrompt.DefaultSystemPrompt).Append("<|im_end|>\n");
            }

            return 0;
        }

        text.Append("<|im_start|>system\n").Append(ownSystem ? messages[0].Text : ChatMlPrompt.DefaultSystemPrompt).Append(ToolsPreamble);
        foreach (QwenTool tool in tools)
        {
            AppendSignature(text.Append('\n'), tool);
        }

        text.Append(ToolsPostamble);
        return ownSystem ? 1 : 0;
    }

    /// <summary>An OpenAI-style function entry, keys in the order the OpenAI wire format gives them.</summary>
    private static void AppendSignature(StringBuilder text, QwenTool tool)
    {
        PythonJson.AppendString(text.Append("{\"type\": \"function\", \"function\": {\"name\": "), tool.Name);
        if (tool.Description is not null)
        {
            PythonJson.AppendString(text.Append(", \"description\": "), tool.Description);
        }

        if (tool.ParametersSchema is { } parameters)
        {
            PythonJson.Append(text.Append(", \"parameters\": "), parameters);
        }

        text.Append("}}");
    }

    private static void AppendCalls(StringBuilder text, QwenChatMessage message)
    {
        text.Append("<|im_start|>assistant");
        if (message.Text.Length > 0)
        {
            text.Append('\n').Append(message.Text);
        }

        foreach (QwenToolCall call in message.ToolCalls)
        {
            // The template writes the name raw between quotes, not through tojson.
            text.Append("\n<tool_call>\n{\"name\": \"").Append(call.Name).Append("\", \"arguments\": ");
            PythonJson.Append(text, call.Arguments).Append("}\n</tool_call>");
        }

        text.Append("<|im_end|>\n");
    }

    private static void AppendToolResult(StringBuilder text, QwenChatMessage message, bool opens, bool closes)
    {
        if (opens)
        {
            text.Append("<|im_start|>user");
        }

        text.Append("\n<tool_response>\n").Append(message.Text).Append("\n</tool_response>");
        if (closes)
        {
            text.Append("<|im_end|>\n");
        }
    }
}
