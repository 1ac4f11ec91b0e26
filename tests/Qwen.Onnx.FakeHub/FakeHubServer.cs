using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Qwen.Onnx.FakeHub;

/// <summary>
/// A Hugging Face Hub on loopback speaking the real protocol: the revision API with <c>blobs=true</c>,
/// <c>resolve/{rev}/{path}</c> with X-Repo-Commit, ETag / X-Linked-Etag and X-Linked-Size, LFS files redirected to a
/// second "CDN" server on another port, Range requests, X-Error-Code on errors, and the faults of <see cref="Faults"/>.
/// </summary>
public sealed class FakeHubServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, FakeRepo> _repos = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FakeFile> _lfs = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<SeenRequest> _requests = new();
    private WebApplication? _hub;
    private WebApplication? _cdn;

    private FakeHubServer()
    {
    }

    public Uri Endpoint { get; private set; } = null!;

    public Uri CdnEndpoint { get; private set; } = null!;

    public HubFaults Faults { get; } = new();

    public IReadOnlyList<SeenRequest> Requests => [.. _requests];

    public static async Task<FakeHubServer> StartAsync(int port = 0)
    {
        var server = new FakeHubServer();
        server._cdn = Build(0, app => app.MapGet("/lfs/{sha256}", (HttpContext c, string sha256) => server.ServeLfsAsync(c, sha256)));
        server._hub = Build(port, server.MapHub);
        server.CdnEndpoint = await StartAsync(server._cdn);
        server.Endpoint = await StartAsync(server._hub);
        return server;
    }

    public FakeRepo Add(FakeRepo repo)
    {
        _repos[repo.Id] = repo;
        foreach (FakeFile file in repo.Files.Values.Where(f => f.IsLfs))
        {
            _lfs[file.Sha256] = file;
        }

        return repo;
    }

    public void ClearRequests() => _requests.Clear();

    public async ValueTask DisposeAsync()
    {
        foreach (WebApplication? app in new[] { _hub, _cdn })
        {
            if (app is not null)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
    }

    private static WebApplication Build(int port, Action<WebApplication> map)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        builder.Logging.ClearProviders();
        WebApplication app = builder.Build();
        map(app);
        return app;
    }

    private static async Task<Uri> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address);
    }

    private void MapHub(WebApplication app)
    {
        app.MapGet("/api/models/{org}/{name}/revision/{**revision}", (HttpContext c, string org, string name, string revision) => RevisionApi(c, $"{org}/{name}", Uri.UnescapeDataString(revision)));
        app.MapMethods("/{org}/{name}/resolve/{revision}/{**path}", ["GET", "HEAD"], (HttpContext c, string org, string name, string revision, string path) => ResolveAsync(c, $"{org}/{name}", Uri.UnescapeDataString(revision), path));
    }

    private IResult RevisionApi(HttpContext context, string repoId, string revision)
    {
        Record(context, "hub");
        if (Refuse(context, repoId, revision, out FakeRepo? repo, out string? commit) is IResult refused)
        {
            return refused;
        }

        var siblings = repo!.Files.Values.OrderBy(f => f.Path, StringComparer.Ordinal).Select(f => new Dictionary<string, object?>
        {
            ["rfilename"] = f.Path,
            ["size"] = f.Size,
            ["blobId"] = f.GitOid,
            ["lfs"] = f.IsLfs ? new { sha256 = f.Sha256, size = f.Size, pointerSize = 134 } : null,
        }.Where(p => p.Value is not null).ToDictionary());
        return Results.Json(new { _id = "fake", id = repoId, modelId = repoId, sha = commit, @private = false, siblings });
    }

    private async Task ResolveAsync(HttpContext context, string repoId, string revision, string path)
    {
        Record(context, "hub");
        if (Refuse(context, repoId, revision, out FakeRepo? repo, out string? commit) is IResult refused)
        {
            await refused.ExecuteAsync(context);
            return;
        }

        if (!repo!.Files.TryGetValue(path, out FakeFile? file))
        {
            await new ErrorResult(404, "EntryNotFound", $"{path} does not exist on \"{revision}\"").ExecuteAsync(context);
            return;
        }

        context.Response.Headers["X-Repo-Commit"] = commit;
        if (file.IsLfs)
        {
            context.Response.Headers["X-Linked-Etag"] = $"\"{file.Sha256}\"";
            context.Response.Headers["X-Linked-Size"] = file.Size.ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.Headers.ETag = $"\"{file.GitOid}\"";
            context.Response.Redirect(new Uri(CdnEndpoint, $"lfs/{file.Sha256}?X-Amz-Signature=fake").AbsoluteUri);
            return;
        }

        context.Response.Headers.ETag = $"\"{file.GitOid}\"";
        await FileServing.ServeAsync(context, file, Faults);
    }

    private async Task ServeLfsAsync(HttpContext context, string sha256)
    {
        Record(context, "cdn");
        if (!_lfs.TryGetValue(sha256, out FakeFile? file))
        {
            context.Response.StatusCode = 404;
            return;
        }

        await FileServing.ServeAsync(context, file, Faults);
    }

    private IResult? Refuse(HttpContext context, string repoId, string revision, out FakeRepo? repo, out string? commit)
    {
        commit = null;
        string? authorization = context.Request.Headers.Authorization;
        if (!_repos.TryGetValue(repoId, out repo))
        {
            return new ErrorResult(authorization is null ? 401 : 404, "RepoNotFound", "Repository not found");
        }

        if (Faults.RequiredToken is string token && authorization != "Bearer " + token)
        {
            return new ErrorResult(authorization is null ? 401 : 403, "GatedRepo", $"Access to model {repoId} is restricted.");
        }

        commit = repo.Resolve(revision);
        return commit is null ? new ErrorResult(404, "RevisionNotFound", $"Invalid rev id: {revision}") : null;
    }

    private void Record(HttpContext context, string host) =>
        _requests.Enqueue(new SeenRequest(host, context.Request.Method, context.Request.Path, context.Request.Headers.Range.FirstOrDefault(), context.Request.Headers.Authorization.FirstOrDefault(), DateTimeOffset.UtcNow));

    private sealed class ErrorResult(int status, string code, string message) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            httpContext.Response.Headers["X-Error-Code"] = code;
            httpContext.Response.Headers["X-Error-Message"] = message;
            return httpContext.Response.WriteAsync(JsonSerializer.Serialize(new { error = message }));
        }
    }
}
