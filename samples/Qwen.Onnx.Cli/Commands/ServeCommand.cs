using System.CommandLine;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Qwen.Onnx.Hub;
using Qwen.Onnx.Server;
using Qwen.Onnx.Server.Hosting;

namespace Qwen.Onnx.Cli.Commands;

/// <summary>
/// <c>qwen-onnx serve</c>: the OpenAI-compatible server of Qwen.Onnx.Server on Kestrel. It prints exactly one stdout
/// line, <c>listening on http://HOST:PORT</c>, once every model has loaded (logs go to stderr), and stops on
/// SIGINT/SIGTERM: generations are cancelled, the models freed, exit code 0.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var models = new Option<string[]>("--model", "-m") { Description = "A model folder or Hub repo id (org/name[@rev]), or ID=MODEL to choose its id (repeatable; otherwise the id is the folder name or the repo id).", Required = true, AllowMultipleArgumentsPerToken = false };
        var host = new Option<string>("--host") { Description = "The address to bind (loopback unless told otherwise).", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "The port; 0 picks a free one.", DefaultValueFactory = _ => 8080 };
        var apiKey = new Option<string?>("--api-key") { Description = "Require 'Authorization: Bearer KEY' on /v1 requests." };
        var maxConcurrent = new Option<int>("--max-concurrent") { Description = "Requests generating at once (onnx-community models decode them in shared steps).", DefaultValueFactory = _ => 8 };
        var queue = new Option<int>("--queue") { Description = "Requests waiting for a slot; more get 429 with Retry-After.", DefaultValueFactory = _ => 64 };
        var remoteMedia = new Option<bool>("--allow-remote-media") { Description = "Fetch http(s) image URLs (otherwise data: URIs only)." };
        var generation = new GenerationArguments();
        var command = new Command("serve", "Serve models over an OpenAI-compatible HTTP API, with a chat page at /.") { models, host, port, apiKey, maxConcurrent, queue, remoteMedia };
        foreach (Option option in new Option[] { generation.Device, generation.DeviceId, generation.CpuFallback, generation.Threads, generation.Spinning })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (result, ct) =>
        {
            WebApplication app = Build(result.GetValue(host)!, result.GetValue(port), server =>
            {
                foreach (string model in result.GetValue(models) ?? [])
                {
                    AddModel(server, model);
                }

                server.ApiKey = result.GetValue(apiKey);
                server.MaxConcurrentRequests = result.GetValue(maxConcurrent);
                server.QueueLength = result.GetValue(queue);
                server.AllowRemoteMedia = result.GetValue(remoteMedia);
                server.ModelOptions = generation.Model(result);
                server.Loader = ModelLoading.LoadAsync;
            });
            await using (app)
            {
                return await RunAsync(app, ct);
            }
        });
        return command;
    }

    private static void AddModel(QwenServerOptions server, string model)
    {
        int equals = model.IndexOf('=', StringComparison.Ordinal);
        if (equals > 0)
        {
            server.AddModel(model[..equals], model[(equals + 1)..]);
        }
        else if (!Directory.Exists(model) && HubRepoReference.TryParse(model, out HubRepoReference? repo))
        {
            // A Hub repository is served under its repo id: its snapshot folder is named after a commit hash.
            server.AddModel(repo.ToString(), model);
        }
        else
        {
            server.AddModel(model);
        }
    }

    private static WebApplication Build(string host, int port, Action<QwenServerOptions> configure)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders()
            .AddSimpleConsole(o => o.SingleLine = true)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .AddFilter("Microsoft", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(host), port));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddQwenModels(configure);
        WebApplication app = builder.Build();
        app.MapQwenOpenAI();
        return app;
    }

    private static async Task<int> RunAsync(WebApplication app, CancellationToken ct)
    {
        await app.StartAsync(ct);
        try
        {
            await app.Services.GetRequiredService<ModelCatalog>().WaitUntilReadyAsync(ct);
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            await app.StopAsync(CancellationToken.None);
            return 1;
        }

        string address = app.Urls.First();
        Console.WriteLine($"listening on {address}");
        await app.WaitForShutdownAsync(ct);
        return 0;
    }
}
