using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Qwen.Onnx.Hub.Protocol;

/// <summary>
/// The two Hub calls a pull needs, as huggingface_hub makes them: the revision API (commit and files with sizes and
/// LFS sha256) and <c>resolve/{commit}/{path}</c> downloads. Redirects are followed here, not by the handler, so the
/// token goes only to the Hub's own host and never to the CDN it redirects to.
/// </summary>
internal sealed class HubApiClient(HubSettings settings, string repoId)
{
    private const int MaxRedirects = 10;

    // One pooled client per process; the proxy comes from HTTP(S)_PROXY/NO_PROXY through HttpClient.DefaultProxy.
    private static readonly HttpClient Http = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(30),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
        DefaultRequestHeaders = { UserAgent = { new ProductInfoHeaderValue("qwen-onnx", "0.1") } },
    };

    private string Base => settings.Endpoint.AbsoluteUri.TrimEnd('/');

    public async Task<RepoRevision> GetRevisionAsync(HubRepoReference reference, CancellationToken cancellationToken)
    {
        var uri = new Uri($"{Base}/api/models/{repoId}/revision/{Uri.EscapeDataString(reference.Revision)}?blobs=true");
        using HttpResponseMessage response = await SendAsync(uri, 0, followAbsoluteRedirects: false, cancellationToken).ConfigureAwait(false);
        ThrowForStatus(response, reference.Revision, filePath: null);
        byte[] body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return ParseRevision(body);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new HubException(repoId, $"the revision API of {settings.Endpoint} answered something unexpected ({e.Message}). Check HF_ENDPOINT.", e);
        }
    }

    /// <summary>Starts downloading a file from <paramref name="from"/> on; the caller reads and disposes the response (200 or 206).</summary>
    public async Task<HttpResponseMessage> OpenFileAsync(string commit, string path, long from, CancellationToken cancellationToken)
    {
        string escaped = string.Join('/', path.Split('/').Select(Uri.EscapeDataString));
        var uri = new Uri($"{Base}/{repoId}/resolve/{commit}/{escaped}");
        HttpResponseMessage response = await SendAsync(uri, from, followAbsoluteRedirects: true, cancellationToken).ConfigureAwait(false);
        try
        {
            if (response.StatusCode != HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                ThrowForStatus(response, commit, path);
            }

            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private async Task<HttpResponseMessage> SendAsync(Uri uri, long from, bool followAbsoluteRedirects, CancellationToken cancellationToken)
    {
        for (int hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("identity"));
            if (settings.Token is string token && IsHub(uri))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            if (from > 0)
            {
                request.Headers.Range = new RangeHeaderValue(from, null);
            }

            HttpResponseMessage response;
            try
            {
                response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                throw new TransientHubException($"{uri.GetLeftPart(UriPartial.Path)}: {e.Message}", inner: e);
            }

            if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is Uri location
                && (followAbsoluteRedirects || !location.IsAbsoluteUri) && hop < MaxRedirects)
            {
                uri = location.IsAbsoluteUri ? location : new Uri(uri, location);
                response.Dispose();
                continue;
            }

            return response;
        }
    }

    private bool IsHub(Uri uri) =>
        Uri.Compare(uri, settings.Endpoint, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;

    private void ThrowForStatus(HttpResponseMessage response, string revision, string? filePath)
    {
        int status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        string? code = response.Headers.TryGetValues("X-Error-Code", out IEnumerable<string>? values) ? values.FirstOrDefault() : null;
        throw (status, code) switch
        {
            (401 or 403 or 404, "RepoNotFound") => new HubRepositoryNotFoundException(repoId, settings.Endpoint),
            (401 or 403, _) => new HubAuthorizationException(repoId, status, settings.Token is not null),
            (404, "RevisionNotFound") => new HubRevisionNotFoundException(repoId, revision),
            (404, _) when filePath is not null => new HubException(repoId, $"'{filePath}' is listed in revision {revision} but the server has no such file (404). Pull again; check HF_ENDPOINT if it repeats."),
            (404, _) => new HubRepositoryNotFoundException(repoId, settings.Endpoint),
            (429 or >= 500, _) => new TransientHubException($"{(filePath ?? "the revision API")}: the Hub answered {status} {response.ReasonPhrase}", RetryAfter(response)),
            _ => new HubException(repoId, $"{(filePath ?? "the revision API")}: the Hub answered {status} {response.ReasonPhrase}."),
        };
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: TimeSpan delta } => delta,
        { Date: DateTimeOffset date } => date - DateTimeOffset.UtcNow is { Ticks: > 0 } wait ? wait : TimeSpan.Zero,
        _ => null,
    };

    private static RepoRevision ParseRevision(byte[] body)
    {
        using var doc = JsonDocument.Parse(body);
        JsonElement root = doc.RootElement;
        string commit = root.GetProperty("sha").GetString() ?? throw new FormatException("\"sha\" is null");
        var files = new List<RepoFile>();
        foreach (JsonElement sibling in root.GetProperty("siblings").EnumerateArray())
        {
            string path = sibling.GetProperty("rfilename").GetString() ?? throw new FormatException("\"rfilename\" is null");
            if (path.Split('/').Any(segment => segment is "" or "." or ".."))
            {
                throw new FormatException($"the file path '{path}' leaves the repository");
            }

            string oid = sibling.GetProperty("blobId").GetString() ?? throw new FormatException($"{path}: \"blobId\" is null");
            if (sibling.TryGetProperty("lfs", out JsonElement lfs) && lfs.ValueKind == JsonValueKind.Object)
            {
                files.Add(new RepoFile(path, lfs.GetProperty("size").GetInt64(), oid, lfs.GetProperty("sha256").GetString()));
            }
            else
            {
                files.Add(new RepoFile(path, sibling.GetProperty("size").GetInt64(), oid, null));
            }
        }

        return new RepoRevision(commit, files);
    }
}
