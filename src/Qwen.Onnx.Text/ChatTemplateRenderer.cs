using System.Text;
using System.Text.Json;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Qwen.Onnx.Text;

/// <summary>
/// Renders a conversation with the model's own Jinja chat template through GenAI's template engine
/// (the template of <c>tokenizer_config.json</c> or <c>chat_template.jinja</c>), including Qwen3's
/// <c>enable_thinking</c> switch.
/// </summary>
internal sealed class ChatTemplateRenderer : IDisposable
{
    // enable_thinking is a tokenizer-wide option in GenAI, so setting it and rendering must not interleave.
    private readonly Lock _gate = new();
    private readonly Tokenizer _tokenizer;

    public ChatTemplateRenderer(Model model) => _tokenizer = new Tokenizer(model);

    public string Render(IReadOnlyList<QwenChatMessage> messages, bool? enableThinking)
    {
        string json = ToJson(messages);
        string kwargs = enableThinking is bool on ? (on ? "{\"enable_thinking\":true}" : "{\"enable_thinking\":false}") : "{}";
        lock (_gate)
        {
            _tokenizer.UpdateOptions(new Dictionary<string, string> { ["chat_template_kwargs"] = kwargs });
            return _tokenizer.ApplyChatTemplate(null, json, null, true);
        }
    }

    public void Dispose() => _tokenizer.Dispose();

    private static string ToJson(IReadOnlyList<QwenChatMessage> messages)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (QwenChatMessage message in messages)
            {
                writer.WriteStartObject();
                writer.WriteString("role", message.Role.ToString().ToLowerInvariant());
                writer.WriteString("content", message.Text);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
