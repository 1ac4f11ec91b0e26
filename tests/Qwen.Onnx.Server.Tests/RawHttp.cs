using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Qwen.Onnx.Server.Tests;

/// <summary>Plain HTTP requests as curl would send them, and OpenAI's error body read back.</summary>
internal static class RawHttp
{
    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    public static string Chat(string model, string content, string extra = "") =>
        $$"""{"model":"{{model}}","messages":[{"role":"user","content":{{content}}}]{{extra}}}""";

    public static string ImageChat(string model, string dataUri) =>
        Chat(model, """[{"type":"text","text":"Look."},{"type":"image_url","image_url":{"url":""" + JsonSerializer.Serialize(dataUri) + "}}]", ""","max_tokens":2""");

    public static async Task<HttpResponseMessage> PostAsync(HttpClient http, string body, string? apiKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = Json(body) };
        if (apiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return await http.SendAsync(request);
    }

    /// <summary>The error of an OpenAI error body, after checking it has exactly OpenAI's four fields.</summary>
    public static async Task<(string Message, string Type, string? Param, string? Code)> ErrorAsync(HttpResponseMessage response)
    {
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        JsonElement error = body.RootElement.GetProperty("error");
        Assert.That(error.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "message", "type", "param", "code" }));
        return (error.GetProperty("message").GetString()!, error.GetProperty("type").GetString()!, error.GetProperty("param").GetString(), error.GetProperty("code").GetString());
    }
}
