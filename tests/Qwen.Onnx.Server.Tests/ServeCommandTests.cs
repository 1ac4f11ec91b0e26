using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Qwen.Onnx.Server.Tests;

/// <summary><c>qwen-onnx serve</c> as a user runs it: one stdout line when ready, and a clean exit on SIGTERM mid-answer.</summary>
[NonParallelizable]
public partial class ServeCommandTests
{
    [GeneratedRegex(@"^listening on http://127\.0\.0\.1:(\d+)$")]
    private static partial Regex ListeningLine();

    private static string CliPath()
    {
        string configuration = typeof(ServeCommandTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        DirectoryInfo? root = new(TestContext.CurrentContext.TestDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Qwen.Onnx.sln")))
        {
            root = root.Parent;
        }

        return Path.Combine(root!.FullName, "samples", "Qwen.Onnx.Cli", "bin", configuration, "net10.0", "qwen-onnx.dll");
    }

    [Test]
    public async Task ItPrintsOneListeningLineAndStopsCleanlyOnSigterm()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[] { CliPath(), "serve", "--model", Servers.TextModel, "--port", "0", "--api-key", "k" })
        {
            start.ArgumentList.Add(arg);
        }

        using Process serve = Process.Start(start)!;
        Task<string> errors = serve.StandardError.ReadToEndAsync();
        string? line = await serve.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(90));
        Match listening = ListeningLine().Match(line ?? "");
        Assert.That(listening.Success, Is.True, $"stdout: {line}; stderr: {(serve.HasExited ? await errors : "")}");

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{listening.Groups[1].Value}/") };
        using JsonDocument models = JsonDocument.Parse(await (await SendAsync(http, HttpMethod.Get, "v1/models", null)).Content.ReadAsStringAsync());
        using HttpResponseMessage streaming = await SendAsync(http, HttpMethod.Post, "v1/chat/completions", RawHttp.Chat(Path.GetFileName(Servers.TextModel), "\"Talk\"", ""","max_tokens":1500,"stream":true"""));
        await using Stream events = await streaming.Content.ReadAsStreamAsync();
        _ = await events.ReadAsync(new byte[32]);

        var stopwatch = Stopwatch.StartNew();
        Process.Start("kill", ["-TERM", serve.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
        await serve.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        string rest = await serve.StandardOutput.ReadToEndAsync();
        Assert.Multiple(async () =>
        {
            Assert.That(models.RootElement.GetProperty("data")[0].GetProperty("id").GetString(), Is.EqualTo(Path.GetFileName(Servers.TextModel)), "the id is the folder's name");
            Assert.That(serve.ExitCode, Is.Zero);
            Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
            Assert.That(rest, Is.Empty, "exactly one stdout line");
            Assert.That(await errors, Does.Contain("cancelled: the server is stopping"));
        });
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string? body)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : RawHttp.Json(body) };
        request.Headers.Authorization = new("Bearer", "k");
        return http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }
}
