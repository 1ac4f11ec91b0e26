using System.Text.Json;

namespace Qwen.Onnx.Text;

/// <summary>The few facts of <c>genai_config.json</c> the engine checks itself, to fail with a clear message before GenAI does.</summary>
internal sealed record GenAiConfigFile(int ContextLength, int VocabSize, string DecoderFile)
{
    public static GenAiConfigFile Read(string folder)
    {
        string path = Path.Combine(folder, "genai_config.json");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            JsonElement model = Require(doc.RootElement, "model");
            int context = Require(model, "context_length").GetInt32();
            int vocab = Require(model, "vocab_size").GetInt32();
            string decoder = Require(Require(model, "decoder"), "filename").GetString() ?? "";
            if (context <= 0 || vocab <= 0)
            {
                throw new InvalidModelException(folder, "genai_config.json: model.context_length and model.vocab_size must be greater than 0.");
            }

            if (!File.Exists(Path.Combine(folder, decoder)))
            {
                throw new InvalidModelException(folder, $"the decoder graph '{decoder}' named in genai_config.json is missing. Copy the complete export into the folder.");
            }

            return new GenAiConfigFile(context, vocab, decoder);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidModelException(folder, $"genai_config.json is malformed ({e.Message}). Restore the file written by the model builder.", e);
        }

        JsonElement Require(JsonElement parent, string name) =>
            parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out JsonElement value)
                ? value
                : throw new InvalidModelException(folder, $"genai_config.json has no \"{name}\". Restore the file written by the model builder.");
    }
}
