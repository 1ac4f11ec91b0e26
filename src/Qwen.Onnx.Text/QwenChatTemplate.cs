using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntimeGenAI;
using Qwen.Onnx.Prompts;

namespace Qwen.Onnx.Text;

/// <summary>
/// Renders a conversation with the model's own Jinja chat template through GenAI's template engine (the template of
/// <c>tokenizer_config.json</c> or <c>chat_template.jinja</c>), including Qwen3's <c>enable_thinking</c> switch,
/// tools (OpenAI-style function entries) and earlier tool calls. Thread-safe.
/// </summary>
public sealed class QwenChatTemplate : IChatTemplate
{
    // enable_thinking is a tokenizer-wide option in GenAI, so setting it and rendering must not interleave.
    private readonly Lock _gate = new();
    private readonly Tokenizer _tokenizer;
    private readonly string? _template;

    internal QwenChatTemplate(Model model) => _tokenizer = new Tokenizer(model);

    private QwenChatTemplate(Tokenizer tokenizer, string? template)
    {
        _tokenizer = tokenizer;
        _template = template;
    }

    /// <summary>
    /// The chat template of any Qwen model folder with Hugging Face tokenizer files (<c>tokenizer.json</c>,
    /// <c>tokenizer_config.json</c>, optionally <c>chat_template.jinja</c>), for example an onnx-community export,
    /// rendered by GenAI's engine without loading the model.
    /// </summary>
    /// <param name="modelFolder">The folder.</param>
    /// <exception cref="InvalidModelException">The folder has no chat template or tokenizer.</exception>
    public static QwenChatTemplate FromFolder(string modelFolder)
    {
        GenAiRuntime.EnsureInitialized();

        // GenAI builds a tokenizer only from a GenAI config folder: a scratch one beside copies of the tokenizer files.
        string scratch = Directory.CreateTempSubdirectory("qwen-onnx-template-").FullName;
        try
        {
            string? template = ExplicitTemplate(modelFolder);
            foreach (string file in new[] { "tokenizer.json", "tokenizer_config.json", "chat_template.jinja" })
            {
                if (File.Exists(Path.Combine(modelFolder, file)))
                {
                    File.Copy(Path.Combine(modelFolder, file), Path.Combine(scratch, file));
                }
            }

            File.WriteAllText(Path.Combine(scratch, "genai_config.json"), TemplateOnlyConfig);
            using var config = new Config(scratch);
            return new QwenChatTemplate(new Tokenizer(config), template);
        }
        catch (Exception e) when (e is IOException or JsonException or OnnxRuntimeGenAIException)
        {
            throw new InvalidModelException(modelFolder, $"its tokenizer files cannot be loaded for the chat template ({e.Message}).", e);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <inheritdoc />
    public string Render(QwenChatRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Render(request.Messages, request.Tools, request.Options.EnableThinking);
    }

    internal string Render(IReadOnlyList<QwenChatMessage> messages, IReadOnlyList<QwenTool> tools, bool? enableThinking)
    {
        string json = ToJson(messages);
        string? toolsJson = tools.Count == 0 ? null : ToJson(tools);
        string kwargs = enableThinking is bool on ? (on ? "{\"enable_thinking\":true}" : "{\"enable_thinking\":false}") : "{}";
        lock (_gate)
        {
            _tokenizer.UpdateOptions(new Dictionary<string, string> { ["chat_template_kwargs"] = kwargs });
            return _tokenizer.ApplyChatTemplate(_template, json, toolsJson, true);
        }
    }

    /// <summary>Frees the native tokenizer.</summary>
    public void Dispose() => _tokenizer.Dispose();

    // Only what GenAI's config parser requires; the decoder file is never opened.
    private const string TemplateOnlyConfig = """{"model":{"type":"qwen2","context_length":1,"vocab_size":1048576,"bos_token_id":151643,"eos_token_id":151645,"pad_token_id":151643,"decoder":{"filename":"absent.onnx","head_size":1,"hidden_size":1,"num_attention_heads":1,"num_hidden_layers":1,"num_key_value_heads":1}}}""";

    /// <summary>
    /// The template to pass on every render, or <see langword="null"/> when GenAI finds it in the copied files itself
    /// (then GenAI compiles it once; passing a template string compiles it on every call, ~20 ms for Qwen3's).
    /// </summary>
    private static string? ExplicitTemplate(string folder)
    {
        if (File.Exists(Path.Combine(folder, "chat_template.jinja")))
        {
            return null;
        }

        string config = Path.Combine(folder, "tokenizer_config.json");
        JsonNode? template = File.Exists(config) ? JsonNode.Parse(File.ReadAllText(config))?["chat_template"] : null;
        return template switch
        {
            JsonValue value when value.TryGetValue(out string? _) => null,
            JsonArray named => (string?)named.FirstOrDefault(t => (string?)t?["name"] == "default")?["template"]
                ?? throw new InvalidModelException(folder, "tokenizer_config.json lists chat templates but none named 'default'."),
            _ => throw new InvalidModelException(folder, "it has no chat template (chat_template in tokenizer_config.json or chat_template.jinja). Copy it from the original Hugging Face model."),
        };
    }

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
