using System.Text.Json;

namespace Qwen.Onnx.Multimodal.Tests;

/// <summary>
/// One case of TestData/prompt-golden.json, written by scripts/prompt-golden: the prompt rendered by Hugging Face's Jinja
/// from the vendored chat templates, its ids from tokenizers.js with the media pads expanded, and M-RoPE positions
/// [rows][S] from a JavaScript port of HF <c>get_rope_index</c>. None of it comes from the SDK.
/// </summary>
internal sealed record GoldenPrompt(string Name, string Template, string Model, string Prompt, int[] MediaTokens, int[] InputIds, long RopeDelta, long[][] Positions, JsonElement Messages, JsonElement Tools)
{
    private static readonly Lazy<GoldenPrompt[]> Cases = new(() =>
        JsonSerializer.Deserialize<GoldenPrompt[]>(File.ReadAllText(TestData("prompt-golden.json")), new JsonSerializerOptions(JsonSerializerDefaults.Web))!);

    /// <summary>The cases the tiny test models can take (the spec case names an image the tests do not have).</summary>
    public static IEnumerable<GoldenPrompt> Runnable => Cases.Value.Where(c => !c.Name.StartsWith("spec:", StringComparison.Ordinal));

    public long[] FlatPositions => [.. Positions.SelectMany(row => row)];

    public static GoldenPrompt Named(string name) => Cases.Value.Single(c => c.Name == name);

    public static string TestData(string file) => Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", file);

    /// <summary>The conversation as an SDK request, media synthesised or loaded as the generator's comments describe.</summary>
    public QwenChatRequest ToRequest(GenerationOptions? options = null) =>
        new([.. Messages.EnumerateArray().Select(ToMessage)], options) { Tools = [.. Tools.EnumerateArray().Select(ToTool)] };

    public override string ToString() => Name;

    private static QwenChatMessage ToMessage(JsonElement message)
    {
        var role = Enum.Parse<QwenChatRole>(message.GetProperty("role").GetString()!, ignoreCase: true);
        QwenToolCall[] calls = message.TryGetProperty("tool_calls", out JsonElement list)
            ? [.. list.EnumerateArray().Select(c => c.GetProperty("function")).Select(f => new QwenToolCall(f.GetProperty("name").GetString()!, f.GetProperty("arguments")))]
            : [];
        return new QwenChatMessage(role, message.GetProperty("content").EnumerateArray().Select(ToPart)) { ToolCalls = calls };
    }

    private static QwenTool ToTool(JsonElement tool)
    {
        JsonElement function = tool.GetProperty("function");
        return new QwenTool(
            function.GetProperty("name").GetString()!,
            function.TryGetProperty("description", out JsonElement description) ? description.GetString() : null,
            function.TryGetProperty("parameters", out JsonElement parameters) ? parameters : null);
    }

    private static ContentPart ToPart(JsonElement item) => item.GetProperty("type").GetString() switch
    {
        "text" => new TextPart(item.GetProperty("text").GetString()!),
        "image" => ImagePart.FromFile(TestData(item.GetProperty("image").GetString()!)),
        "video" => VideoPart.FromFrameFiles(item.GetProperty("video").EnumerateArray().Select(f => TestData(f.GetString()!)), item.GetProperty("fps").GetDouble())
            .WithPixelBounds(item.GetProperty("minPixels").GetInt64(), item.GetProperty("maxPixels").GetInt64()),
        "audio" => AudioPart.FromSamples(Tone(item.GetProperty("samples").GetInt32(), item.GetProperty("frequency").GetDouble()), 16000),
        string other => throw new InvalidDataException($"Unknown golden content type {other}."),
        null => throw new InvalidDataException("Golden content without a type."),
    };

    private static float[] Tone(int samples, double frequency) =>
        [.. Enumerable.Range(0, samples).Select(i => (float)(0.3 * Math.Sin(2 * Math.PI * frequency * i / 16000)))];
}
