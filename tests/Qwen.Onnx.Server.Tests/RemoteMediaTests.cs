using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Qwen.Onnx.Extensions.AI;

namespace Qwen.Onnx.Server.Tests;

/// <summary>http(s) images (allowed on the main server) are fetched from a second local Kestrel, within the size and time limits.</summary>
public class RemoteMediaTests
{
    private WebApplication _media = null!;
    private string _address = null!;
    private byte[] _png = null!;

    [OneTimeSetUp]
    public async Task StartMediaHostAsync()
    {
        _png = await File.ReadAllBytesAsync(Servers.TestData("rgb-97x61.png"));
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _media = builder.Build();
        _media.MapGet("/cat.png", () => Results.Bytes(_png, "image/png"));
        _media.MapGet("/big.png", () => Results.Bytes(new byte[1_200_000], "image/png"));
        _media.MapGet("/page.html", () => Results.Text("<html></html>", "text/html"));
        _media.MapGet("/slow.png", async (CancellationToken ct) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(5), ct);
            return Results.Bytes(_png, "image/png");
        });
        await _media.StartAsync();
        _address = _media.Urls.First();
    }

    [OneTimeTearDown]
    public async Task StopMediaHostAsync() => await _media.DisposeAsync();

    [Test]
    public async Task AFetchedImageGivesTheAnswerOfTheSameBytes()
    {
        using HttpResponseMessage response = await RawHttp.PostAsync(Servers.Main.Http, RawHttp.ImageChat("vl", _address + "/cat.png"));
        using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        ChatResponse reference = await new QwenChatClient(Servers.Main.Model("vl")).GetResponseAsync(
            [new ChatMessage(ChatRole.User, [new TextContent("Look."), new DataContent(_png, "image/png")])], new ChatOptions { MaxOutputTokens = 2 });
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(body.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), Is.EqualTo(reference.Text));
        });
    }

    [TestCase("/big.png", "larger than 1048576 bytes")]
    [TestCase("/slow.png", "did not answer within 1 s")]
    [TestCase("/page.html", "not an image")]
    [TestCase("/missing.png", "answered 404")]
    public async Task AnUnfitRemoteImageIsA400(string path, string reason)
    {
        using HttpResponseMessage response = await RawHttp.PostAsync(Servers.Main.Http, RawHttp.ImageChat("vl", _address + path));
        (string message, _, _, string? code) = await RawHttp.ErrorAsync(response);
        Assert.Multiple(() =>
        {
            Assert.That((int)response.StatusCode, Is.EqualTo(400));
            Assert.That(code, Is.EqualTo("invalid_image_url"));
            Assert.That(message, Does.Contain(reason));
        });
    }
}
