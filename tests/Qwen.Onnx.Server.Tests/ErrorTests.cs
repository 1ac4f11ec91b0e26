using System.Net;

namespace Qwen.Onnx.Server.Tests;

/// <summary>Every refusal in OpenAI's error shape with the right status, <c>param</c> and <c>code</c>, and never a stack trace.</summary>
public class ErrorTests
{
    private const string Png1x1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";

    private static readonly string LongPrompt = "\"" + string.Concat(Enumerable.Repeat("lorem ipsum dolor ", 1200)) + "\"";

    public static IEnumerable<TestCaseData> BadRequests()
    {
        TestCaseData Case(string name, string body, int status, string? param, string code) => new TestCaseData(body, status, param, code).SetName(name);
        yield return Case("Malformed JSON", "{\"model\":", 400, null, "invalid_json");
        yield return Case("Not an object", "[1,2]", 400, "body", "invalid_type");
        yield return Case("No model", """{"messages":[{"role":"user","content":"a"}]}""", 400, "model", "missing_required_parameter");
        yield return Case("Model of the wrong type", """{"model":5,"messages":[{"role":"user","content":"a"}]}""", 400, "model", "invalid_type");
        yield return Case("Messages not an array", """{"model":"text","messages":"a"}""", 400, "messages", "invalid_type");
        yield return Case("No messages", """{"model":"text","messages":[]}""", 400, "messages", "empty_array");
        yield return Case("Unknown role", """{"model":"text","messages":[{"role":"robot","content":"a"}]}""", 400, "messages[0].role", "invalid_value");
        yield return Case("Max tokens of the wrong type", RawHttp.Chat("text", "\"a\"", ""","max_tokens":"ten" """), 400, "max_tokens", "invalid_type");
        yield return Case("Temperature out of range", RawHttp.Chat("text", "\"a\"", ""","temperature":3"""), 400, "temperature", "decimal_out_of_range");
        yield return Case("Stream of the wrong type", RawHttp.Chat("text", "\"a\"", ""","stream":"yes" """), 400, "stream", "invalid_type");
        yield return Case("Two choices", RawHttp.Chat("text", "\"a\"", ""","n":2"""), 400, "n", "unsupported_value");
        yield return Case("Unknown part type", RawHttp.Chat("text", """[{"type":"video_url","video_url":{"url":"x"}}]"""), 400, "messages[0].content[0].type", "invalid_value");
        yield return Case("Bad base64", RawHttp.ImageChat("vl", "data:image/png;base64,@@not base64@@"), 400, "messages[0].content[1].image_url.url", "invalid_base64");
        yield return Case("Not a data URI of an image", RawHttp.ImageChat("vl", "data:text/plain;base64,aGk="), 400, "messages[0].content[1].image_url.url", "invalid_image_format");
        yield return Case("Undecodable image", RawHttp.ImageChat("vl", "data:image/png;base64,AAAAAAAA"), 400, "messages", "invalid_image");
        yield return Case("Oversized image", RawHttp.ImageChat("vl", "data:image/png;base64," + new string('A', 1_500_000)), 400, "messages[0].content[1].image_url.url", "media_too_large");
        yield return Case("Image for a text model", RawHttp.ImageChat("text", "data:image/png;base64," + Png1x1), 400, "messages", "unsupported_modality");
        yield return Case("Audio for a vision model", RawHttp.Chat("vl", """[{"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}}]"""), 400, "messages", "unsupported_modality");
        yield return Case("Audio format", RawHttp.Chat("audio", """[{"type":"input_audio","input_audio":{"data":"UklGRg==","format":"flac"}}]"""), 400, "messages[0].content[0].input_audio.format", "invalid_value");
        yield return Case("Undecodable audio", RawHttp.Chat("audio", """[{"type":"input_audio","input_audio":{"data":"UklGRgAAAABXQVZF","format":"wav"}}]"""), 400, "messages", "invalid_audio");
        yield return Case("Prompt beyond the context", RawHttp.Chat("text", LongPrompt, ""","max_tokens":4"""), 400, "messages", "context_length_exceeded");
        yield return Case("Unknown model", RawHttp.Chat("gpt-4o", "\"a\""), 404, "model", "model_not_found");
        yield return Case("JSON schema with a keyword the constraint cannot honour", RawHttp.Chat("text", "\"a\"", ""","response_format":{"type":"json_schema","json_schema":{"name":"person","schema":{"type":"object","not":{"required":["a"]}},"strict":true}}"""), 400, null, "unsupported_value");
        yield return Case("JSON schema with a bad name", RawHttp.Chat("text", "\"a\"", ""","response_format":{"type":"json_schema","json_schema":{"name":"a b","schema":{}}}"""), 400, "response_format.json_schema.name", "invalid_value");
        yield return Case("Unknown response format", RawHttp.Chat("text", "\"a\"", ""","response_format":{"type":"xml"}"""), 400, "response_format.type", "invalid_value");
        yield return Case("Tool choice naming no tool", RawHttp.Chat("text", "\"a\"", ""","tool_choice":{"type":"function","function":{"name":"nope"}}"""), 400, "tool_choice.function.name", "invalid_value");
    }

    [TestCaseSource(nameof(BadRequests))]
    public async Task IsRefusedInOpenAIsShape(string body, int status, string? param, string code)
    {
        using HttpResponseMessage response = await RawHttp.PostAsync(Servers.Main.Http, body);
        (string message, string type, string? gotParam, string? gotCode) = await RawHttp.ErrorAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That((int)response.StatusCode, Is.EqualTo(status), message);
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
            Assert.That(type, Is.EqualTo("invalid_request_error"));
            Assert.That(gotParam, Is.EqualTo(param));
            Assert.That(gotCode, Is.EqualTo(code));
            Assert.That(message, Does.Not.Match(@"\bat [\w.`]+\(").And.Not.Contain("Exception"), "no stack trace");
        });
    }

    [Test]
    public async Task TextResponseFormatIsAnswered()
    {
        using HttpResponseMessage response = await RawHttp.PostAsync(Servers.Main.Http, RawHttp.Chat("text", "\"a\"", ""","max_tokens":2,"response_format":{"type":"text"}"""));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task AMissingOrWrongApiKeyIs401AndTheRightOneIsServed()
    {
        using HttpResponseMessage missing = await RawHttp.PostAsync(Servers.Restricted.Http, RawHttp.Chat("text", "\"a\"", ""","max_tokens":1"""));
        using HttpResponseMessage wrong = await RawHttp.PostAsync(Servers.Restricted.Http, RawHttp.Chat("text", "\"a\"", ""","max_tokens":1"""), "wrong-key");
        using HttpResponseMessage right = await RawHttp.PostAsync(Servers.Restricted.Http, RawHttp.Chat("text", "\"a\"", ""","max_tokens":1"""), Servers.ApiKey);
        using var models = new HttpRequestMessage(HttpMethod.Get, "v1/models");
        using HttpResponseMessage modelsWithoutKey = await Servers.Restricted.Http.SendAsync(models);
        Assert.Multiple(async () =>
        {
            Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That((await RawHttp.ErrorAsync(missing)).Code, Is.EqualTo("invalid_api_key"));
            Assert.That(missing.Headers.WwwAuthenticate.ToString(), Is.EqualTo("Bearer"));
            Assert.That(wrong.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That((await RawHttp.ErrorAsync(wrong)).Message, Does.Contain("Incorrect API key"));
            Assert.That(right.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(modelsWithoutKey.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        });
    }

    [Test]
    public async Task ARemoteImageWithoutPermissionIsRefused()
    {
        using HttpResponseMessage response = await RawHttp.PostAsync(Servers.Restricted.Http, RawHttp.ImageChat("text", "http://127.0.0.1:9/cat.png"), Servers.ApiKey);
        (string message, _, string? param, string? code) = await RawHttp.ErrorAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That((int)response.StatusCode, Is.EqualTo(400));
            Assert.That((param, code), Is.EqualTo(("messages[0].content[1].image_url.url", "remote_media_disabled")));
            Assert.That(message, Does.Contain("--allow-remote-media"));
        });
    }

    [Test]
    public async Task ABodyOverTheLimitIs413()
    {
        string body = RawHttp.Chat("text", "\"" + new string('x', 1_100_000) + "\"");
        using HttpResponseMessage response = await RawHttp.PostAsync(Servers.Restricted.Http, body, Servers.ApiKey);
        Assert.Multiple(async () =>
        {
            Assert.That((int)response.StatusCode, Is.EqualTo(413));
            Assert.That((await RawHttp.ErrorAsync(response)).Code, Is.EqualTo("request_too_large"));
        });
    }

    [Test]
    public async Task AFullQueueIs429WithRetryAfter()
    {
        // The restricted server has one slot and no queue: a long stream holds the slot while a second request arrives.
        await using HangingUpClient holding = await HangingUpClient.StartAsync(Servers.Restricted, RawHttp.Chat("text", "\"Go on\"", ""","max_tokens":1500,"stream":true"""), Servers.ApiKey);
        await holding.ReadFirstEventAsync();
        using HttpResponseMessage second = await RawHttp.PostAsync(Servers.Restricted.Http, RawHttp.Chat("text", "\"a\"", ""","max_tokens":1"""), Servers.ApiKey);
        Assert.Multiple(async () =>
        {
            Assert.That((int)second.StatusCode, Is.EqualTo(429));
            Assert.That(second.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(1)));
            (_, string type, _, string? code) = await RawHttp.ErrorAsync(second);
            Assert.That((type, code), Is.EqualTo(("rate_limit_error", "rate_limit_exceeded")));
        });

        // Free the slot for the next test: disconnecting cancels the holding generation.
        int cancelled = Servers.Restricted.Log.CountCancelled();
        await holding.DisposeAsync();
        await Servers.Restricted.Log.WaitForCancelledAsync(cancelled);
        Assert.That(Servers.Restricted.Log.CountCancelled(), Is.EqualTo(cancelled + 1), "the slot was freed by the disconnect");
    }

    [Test]
    public async Task AClientThatDisconnectsCancelsItsGeneration()
    {
        int before = Servers.Main.Log.CountCancelled();
        await using (HangingUpClient client = await HangingUpClient.StartAsync(Servers.Main, RawHttp.Chat("text", "\"Keep talking\"", ""","max_tokens":1500,"stream":true""")))
        {
            await client.ReadFirstEventAsync();
        }

        await Servers.Main.Log.WaitForCancelledAsync(before);
        Assert.That(Servers.Main.Log.CountCancelled(), Is.EqualTo(before + 1));
    }
}
