using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Qwen.Onnx.Server.Hosting;

namespace Qwen.Onnx.Server.Tests;

/// <summary>The server on a real Kestrel bound to a free loopback port, with its log collected for assertions.</summary>
public sealed class RunningServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RunningServer(WebApplication app, Uri address, CollectedLog log)
    {
        _app = app;
        Address = address;
        Log = log;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>The server's root, e.g. http://127.0.0.1:41234/.</summary>
    public Uri Address { get; }

    /// <summary>Everything the server logged.</summary>
    public CollectedLog Log { get; }

    /// <summary>A client for raw requests.</summary>
    public HttpClient Http { get; }

    /// <summary>The served models.</summary>
    public ModelCatalog Catalog => _app.Services.GetRequiredService<ModelCatalog>();

    public static async Task<RunningServer> StartAsync(Action<QwenServerOptions> configure, bool waitForModels = true)
    {
        var log = new CollectedLog();
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders().AddProvider(log).SetMinimumLevel(LogLevel.Information);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddQwenModels(configure);
        WebApplication app = builder.Build();
        app.MapQwenOpenAI();
        await app.StartAsync();
        string address = app.Urls.First();
        var server = new RunningServer(app, new Uri(address + "/"), log);
        if (waitForModels)
        {
            await server.Catalog.WaitUntilReadyAsync();
        }

        return server;
    }

    /// <summary>The in-process model behind an id, for reference answers.</summary>
    public QwenModel Model(string id) => Catalog.Find(id)!.Model!;

    /// <summary>The official OpenAI client for one model of this server.</summary>
    public OpenAI.Chat.ChatClient OpenAIClient(string model) =>
        new(model, new System.ClientModel.ApiKeyCredential("no-key-needed"), new OpenAI.OpenAIClientOptions { Endpoint = new Uri(Address, "v1") });

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A logger provider that keeps every formatted message (the server's log is part of what the tests check).</summary>
public sealed class CollectedLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>How many generations the server has logged as cancelled by their client.</summary>
    public int CountCancelled() => _lines.Count(l => l.Contains("cancelled: the client disconnected", StringComparison.Ordinal));

    /// <summary>Waits (at most 20 s) until more than <paramref name="before"/> cancellations were logged.</summary>
    public async Task WaitForCancelledAsync(int before)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (CountCancelled() <= before && waited.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(10);
        }
    }

    public ILogger CreateLogger(string categoryName) => new Sink(this);

    public void Dispose()
    {
    }

    private sealed class Sink(CollectedLog owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
    }
}
