using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Qwen.Onnx.Extensions.AI;
using Qwen.Onnx.Server;
using Qwen.Onnx.Server.Hosting;

namespace Qwen.Onnx.Cli.Benchmarks;

/// <summary>The server's added latency: one run's time to first token and decode time over HTTP and in-process.</summary>
internal sealed record ServerBenchReport(int Runs, int CompletionTokens, double InProcessTtftMs, double HttpTtftMs, double AddedTtftMs, double InProcessDecodeMs, double HttpDecodeMs, double AddedMicrosecondsPerToken, double AddedCpuMicrosecondsPerToken)
{
    public string ToText() => string.Create(CultureInfo.InvariantCulture, $"""
        runs {Runs}, {CompletionTokens} tokens per answer (medians of paired runs)
        in-process : ttft {InProcessTtftMs:F3} ms, decode {InProcessDecodeMs:F3} ms
        over HTTP  : ttft {HttpTtftMs:F3} ms, decode {HttpDecodeMs:F3} ms
        added by the server: {AddedTtftMs:F3} ms to the first token, {AddedMicrosecondsPerToken:F1} µs per token
        CPU time added per token (server and client together, less sensitive to a busy machine): {AddedCpuMicrosecondsPerToken:F1} µs
        """);
}

/// <summary>
/// Serves the model on Kestrel over loopback and streams the same greedy answer alternately through
/// <see cref="QwenChatClient"/> in-process (what the server calls) and over HTTP with server-sent events, so the
/// difference is what HTTP, JSON and SSE framing add. The client side only scans bytes, so its own cost stays small.
/// </summary>
internal static class ServerBench
{
    private static readonly byte[] ContentMarker = "\"delta\":{\"content\":\""u8.ToArray();

    public static async Task<ServerBenchReport> RunAsync(string modelPath, string prompt, int maxTokens, int runs, CancellationToken ct)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddQwenModels(o => o.AddModel("bench", modelPath));
        await using WebApplication app = builder.Build();
        app.MapQwenOpenAI();
        await app.StartAsync(ct);
        await app.Services.GetRequiredService<ModelCatalog>().WaitUntilReadyAsync(ct);
        string address = app.Urls.First();
        using var http = new HttpClient { BaseAddress = new Uri(address) };
        using var inProcess = new QwenChatClient(app.Services.GetRequiredService<ModelCatalog>().Find("bench")!.Model!);
        string body = $$"""{"model":"bench","messages":[{"role":"user","content":{{System.Text.Json.JsonSerializer.Serialize(prompt)}}}],"max_tokens":{{maxTokens}},"stream":true}""";

        var local = new List<(double Ttft, double Decode)>();
        var remote = new List<(double Ttft, double Decode)>();
        var cpu = new List<double>();
        for (int run = -2; run < runs; run++)
        {
            TimeSpan before = CpuTime();
            (double, double) l = await InProcessAsync(inProcess, prompt, maxTokens, ct);
            TimeSpan between = CpuTime();
            (double, double) r = await OverHttpAsync(http, body, ct);
            TimeSpan after = CpuTime();
            if (run >= 0)
            {
                local.Add(l);
                remote.Add(r);
                cpu.Add(((after - between) - (between - before)).TotalMilliseconds);
            }
        }

        int tokens = (await inProcess.GetResponseAsync([new ChatMessage(ChatRole.User, prompt)], new ChatOptions { MaxOutputTokens = maxTokens }, ct)).Usage?.OutputTokenCount is long n ? (int)n : maxTokens;
        double addedTtft = Median(local.Zip(remote, (a, b) => b.Ttft - a.Ttft));
        double addedDecode = Median(local.Zip(remote, (a, b) => b.Decode - a.Decode));
        return new ServerBenchReport(runs, tokens, Median(local.Select(x => x.Ttft)), Median(remote.Select(x => x.Ttft)), addedTtft,
            Median(local.Select(x => x.Decode)), Median(remote.Select(x => x.Decode)), addedDecode * 1000 / Math.Max(1, tokens - 1), Median(cpu) * 1000 / tokens);
    }

    private static TimeSpan CpuTime()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    private static async Task<(double Ttft, double Decode)> InProcessAsync(QwenChatClient client, string prompt, int maxTokens, CancellationToken ct)
    {
        long start = Stopwatch.GetTimestamp();
        long first = 0;
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, prompt)], new ChatOptions { MaxOutputTokens = maxTokens }, ct))
        {
            if (first == 0 && update.Contents.OfType<TextContent>().Any(t => t.Text.Length > 0))
            {
                first = Stopwatch.GetTimestamp();
            }
        }

        long end = Stopwatch.GetTimestamp();
        return (Stopwatch.GetElapsedTime(start, first).TotalMilliseconds, Stopwatch.GetElapsedTime(first, end).TotalMilliseconds);
    }

    private static async Task<(double Ttft, double Decode)> OverHttpAsync(HttpClient http, string body, CancellationToken ct)
    {
        long start = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        await using Stream stream = await response.Content.ReadAsStreamAsync(ct);
        byte[] buffer = new byte[64 * 1024];
        long first = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, ct)) > 0)
        {
            if (first == 0 && HasContent(buffer.AsSpan(0, read)))
            {
                first = Stopwatch.GetTimestamp();
            }
        }

        long end = Stopwatch.GetTimestamp();
        return (Stopwatch.GetElapsedTime(start, first).TotalMilliseconds, Stopwatch.GetElapsedTime(first, end).TotalMilliseconds);
    }

    /// <summary>Whether the bytes hold a content delta with at least one character (the first token).</summary>
    private static bool HasContent(ReadOnlySpan<byte> bytes)
    {
        int at = bytes.IndexOf(ContentMarker);
        return at >= 0 && at + ContentMarker.Length < bytes.Length && bytes[at + ContentMarker.Length] != (byte)'"';
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
