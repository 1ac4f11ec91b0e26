namespace Qwen.Onnx.Server.Endpoints;

/// <summary>The HTTP client that fetches remote images (created on first use, only when remote media are allowed).</summary>
internal sealed class RemoteMediaClient : IDisposable
{
    private readonly Lazy<HttpClient> _http = new(() => new HttpClient(new SocketsHttpHandler { MaxAutomaticRedirections = 3, ConnectTimeout = TimeSpan.FromSeconds(5) }));

    public HttpClient Http => _http.Value;

    public void Dispose()
    {
        if (_http.IsValueCreated)
        {
            _http.Value.Dispose();
        }
    }
}
