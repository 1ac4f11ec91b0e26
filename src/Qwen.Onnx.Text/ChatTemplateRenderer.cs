using System.Text;
using System.Text.Json;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Qwen.Onnx.Text;

/// <summary>
/// Renders a conversation with the model's own Jinja chat template through GenAI's template engine
/// (the template of <c>tokenizer_config.json</c> or <c>chat_template.jinja</c>), including Qwen3's
/// <c>enable_thinking</c> switch, tools (OpenAI-style function entries) and earlier tool calls.
/// </summary>
internal sealed class ChatTemplateRenderer : IDisposable
{
    // enable_thinking is a tokenizer-wide option in GenAI, so setting it and rendering must not interleave.
    private readonly Lock _gate = new();
    private readonly Tokenizer _tokenizer;

    public ChatTemplateRenderer(Model model) => _tokenizer = new Tokenizer(model);

    public string Render(IReadOnlyList<QwenChatMessage> messages, IReadOnlyList<QwenTool> tools, bool? enableThinking)
    {
        string json = ToJson(messages);
        string? toolsJson = tools.Count == 0 ? null : ToJson(tools);
        string kwargs = enableThinking is bool on ? (on ? "{\"enable_thinking\":true}" : "{\"enable_thinking\":false}") : "{}";
        lock (_gate)
        {
            _tokenizer.UpdateOptions(new Dictionary<string, string> { ["chat_template_kwargs"] = kwargs });
            return _tokenizer.ApplyChatTemplate(null, json, toolsJson, true);
        }
    }

    public void Dispose() => _tokenizer.Dispose();

    private static string ToJson(IReadOnlyList<QwenChatMessage> messages) => Write(writer =>
    {
        writer.WriteStartArray();
        foreach (QwenChatMessage message in messages)
        {
            writer.WriteStartObject();
            writer.WriteString("role", message.Role.ToString().ToLowerInvariant());
            writer.WriteString("content", message.Text);
            if (message.ToolCalls.Count > 0)
            {
                writer.WriteStartArray("tool_calls");
                foreach (QwenToolCall call in message.ToolCalls)
                {
                    writer.WriteStartObject();
                    writer.WriteString("type", "function");
                    writer.WriteStartObject("function");
                    writer.WriteString("name", call.Name);
                    writer.WritePropertyName("arguments");
                    call.Arguments.WriteTo(writer);
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    });

    private static string ToJson(IReadOnlyList<QwenTool> tools) => Write(writer =>
    {
        writer.WriteStartArray();
        foreach (QwenTool tool in tools)
        {
            writer.WriteStartObject();
            writer.WriteString("type", "function");
            writer.WriteStartObject("function");
            writer.WriteString("name", tool.Name);
            if (tool.Description is not null)
            {
                writer.WriteString("description", tool.Description);
            }

            if (tool.ParametersSchema is JsonElement schema)
            {
                writer.WritePropertyName("parameters");
                schema.WriteTo(writer);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    });

    private static string Write(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
