using System.Text.Json;

namespace Qwen.Onnx.Server.Tests;

/// <summary>Reads a streamed answer the way a plain SSE client does: the <c>delta.content</c> of every <c>data:</c> event up to <c>[DONE]</c>.</summary>
internal static class SseClient
{
    public static async Task<string> StreamTextAsync(HttpClient http, string model, string prompt, int maxTokens)
    {
        using HttpResponseMessage response = await RawHttp.PostAsync(http, RawHttp.Chat(model, JsonSerializer.Serialize(prompt), $$""","max_tokens":{{maxTokens}},"stream":true"""));
        response.EnsureSuccessStatusCode();
        string body = await response.Content.ReadAsStringAsync();
        var text = new System.Text.StringBuilder();
        foreach (string ev in body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            if (ev == "data: [DONE]")
            {
                return text.ToString();
            }

            using JsonDocument chunk = JsonDocument.Parse(ev["data: ".Length..]);
            if (chunk.RootElement.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out JsonElement content))
            {
                text.Append(content.GetString());
            }
        }

        throw new InvalidOperationException("The stream ended without [DONE].");
    }
}
