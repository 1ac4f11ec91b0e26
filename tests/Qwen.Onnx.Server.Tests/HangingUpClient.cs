using System.Net.Http.Headers;

namespace Qwen.Onnx.Server.Tests;

/// <summary>
/// A streaming request whose client hangs up when disposed. The shared <see cref="RunningServer.Http"/> cannot do
/// this: disposing an unfinished response there makes SocketsHttpHandler drain up to 1 MB for up to 2 s to keep the
/// connection, so a short generation can finish normally instead of seeing a disconnect. This client owns its handler
/// with draining off, so disposing it closes the socket.
/// </summary>
internal sealed class HangingUpClient : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly HttpResponseMessage _response;

    private HangingUpClient(HttpClient http, HttpResponseMessage response, Stream events)
    {
        _http = http;
        _response = response;
        Events = events;
    }

    /// <summary>The response body as it arrives.</summary>
    public Stream Events { get; }

    /// <summary>Sends a chat request and returns once its response headers have arrived.</summary>
    public static async Task<HangingUpClient> StartAsync(RunningServer server, string body, string? apiKey = null)
    {
        var http = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0, PooledConnectionLifetime = TimeSpan.Zero }) { BaseAddress = server.Address };
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = RawHttp.Json(body) };
        if (apiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.That((int)response.StatusCode, Is.EqualTo(200), "the stream started");
        return new HangingUpClient(http, response, await response.Content.ReadAsStreamAsync());
    }

    /// <summary>Reads the first bytes of the stream and checks they are an event (the generation has started).</summary>
    public async Task ReadFirstEventAsync()
    {
        var buffer = new byte[64];
        int read = await Events.ReadAsync(buffer);
        Assert.That(System.Text.Encoding.UTF8.GetString(buffer, 0, read), Does.StartWith("data: {"), "the first event arrived");
    }

    /// <summary>Hangs up: closes the socket without reading the rest (a second call does nothing).</summary>
    public async ValueTask DisposeAsync()
    {
        await Events.DisposeAsync();
        _response.Dispose();
        _http.Dispose();
    }
}
