using System.Net;
using System.Text.Json;

namespace Qwen.Onnx.Server.Tests;

/// <summary>Models load in the background: the server answers while they load, and says clearly when one failed.</summary>
public class LoadingStateTests
{
    [Test]
    public async Task HealthIsNotReadyUntilTheModelHasLoaded()
    {
        var release = new TaskCompletionSource();
        await using RunningServer server = await RunningServer.StartAsync(
            o =>
            {
                o.AddModel("text", Servers.TextModel);
                o.Loader = async (path, options, ct) =>
                {
                    await release.Task.WaitAsync(ct);
                    return await QwenModel.LoadAsync(path, options, ct);
                };
            },
            waitForModels: false);

        using HttpResponseMessage loadingHealth = await server.Http.GetAsync("health");
        using HttpResponseMessage loadingChat = await RawHttp.PostAsync(server.Http, RawHttp.Chat("text", "\"a\"", ""","max_tokens":1"""));
        string loadingBody = await loadingHealth.Content.ReadAsStringAsync();
        (_, _, _, string? loadingCode) = await RawHttp.ErrorAsync(loadingChat);
        release.SetResult();
        await server.Catalog.WaitUntilReadyAsync();
        using HttpResponseMessage readyHealth = await server.Http.GetAsync("health");
        using HttpResponseMessage readyChat = await RawHttp.PostAsync(server.Http, RawHttp.Chat("text", "\"a\"", ""","max_tokens":1"""));
        Assert.Multiple(() =>
        {
            Assert.That(loadingHealth.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(loadingBody, Is.EqualTo("""{"status":"loading","models":[{"id":"text","state":"loading"}]}"""));
            Assert.That(loadingChat.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(loadingCode, Is.EqualTo("model_loading"));
            Assert.That(loadingChat.Headers.RetryAfter, Is.Not.Null);
            Assert.That(readyHealth.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(readyChat.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        });
    }

    [Test]
    public async Task AFailedLoadIsReportedWithItsReason()
    {
        string missing = Path.Combine(Path.GetTempPath(), "qwen-onnx-no-such-model-" + Guid.NewGuid().ToString("N"));
        await using RunningServer server = await RunningServer.StartAsync(o => o.AddModel("broken", missing), waitForModels: false);
        InvalidOperationException? failure = Assert.ThrowsAsync<InvalidOperationException>(() => server.Catalog.WaitUntilReadyAsync());
        using HttpResponseMessage health = await server.Http.GetAsync("health");
        using JsonDocument body = JsonDocument.Parse(await health.Content.ReadAsStringAsync());
        using HttpResponseMessage chat = await RawHttp.PostAsync(server.Http, RawHttp.Chat("broken", "\"a\""));
        Assert.Multiple(async () =>
        {
            Assert.That(failure!.Message, Does.Contain("'broken'").And.Contain("the folder does not exist"));
            Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(body.RootElement.GetProperty("status").GetString(), Is.EqualTo("failed"));
            Assert.That(body.RootElement.GetProperty("models")[0].GetProperty("error").GetString(), Does.Contain("the folder does not exist"));
            Assert.That((await RawHttp.ErrorAsync(chat)).Code, Is.EqualTo("model_unavailable"));
            Assert.That(server.Log.Lines, Has.Some.Contains("Model broken").And.Contains("failed to load"));
        });
    }

    [Test]
    public async Task ModelsListIdsModalitiesAndContextLength()
    {
        using JsonDocument body = JsonDocument.Parse(await Servers.Main.Http.GetStringAsync("v1/models"));
        JsonElement[] models = [.. body.RootElement.GetProperty("data").EnumerateArray()];
        Assert.Multiple(() =>
        {
            Assert.That(body.RootElement.GetProperty("object").GetString(), Is.EqualTo("list"));
            Assert.That(models.Select(m => m.GetProperty("id").GetString()), Is.EqualTo(new[] { "text", "vl", "audio" }));
            Assert.That(models.Select(m => m.GetProperty("object").GetString()), Is.All.EqualTo("model"));
            Assert.That(models.Select(m => m.GetProperty("owned_by").GetString()), Is.All.EqualTo("qwen-onnx"));
            Assert.That(models.Select(m => string.Join(",", m.GetProperty("input_modalities").EnumerateArray().Select(x => x.GetString()))), Is.EqualTo(new[] { "text", "text,image,video", "text,audio" }));
            Assert.That(models.Select(m => m.GetProperty("context_length").GetInt32()), Is.All.EqualTo(new Qwen.Onnx.Testing.TinyQwenConfig().ContextLength));
            Assert.That(models.Select(m => m.GetProperty("created").GetInt64()), Is.All.GreaterThan(1_700_000_000));
        });
    }

    [Test]
    public void AddQwenModelsRefusesBadOptions()
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentException>(() => services.AddQwenModels(_ => { }));
            Assert.Throws<ArgumentException>(() => services.AddQwenModels(o => o.AddModel("a", "x").AddModel("a", "y")));
            Assert.Throws<ArgumentOutOfRangeException>(() => services.AddQwenModels(o => { o.AddModel("a", "x"); o.MaxConcurrentRequests = 0; }));
            Assert.That(new QwenServerOptions().MaxRequestBodyBytes, Is.EqualTo(64L * 1024 * 1024));
        });
    }
}
