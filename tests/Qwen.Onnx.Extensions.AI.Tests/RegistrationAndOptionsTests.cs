using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Qwen.Onnx.Testing;

namespace Qwen.Onnx.Extensions.AI.Tests;

/// <summary>The DI registration loads asynchronously and reports failures; ChatOptions from JSON map like CLR values.</summary>
public class RegistrationAndOptionsTests
{
    private static readonly string Cache = Path.Combine(Path.GetTempPath(), "qwen-onnx-tests", "models");

    [Test]
    public async Task The_host_loads_the_registered_model_asynchronously_at_start()
    {
        string model = TinyModelFactory.GetOrCreateVisionLanguageModel(cacheFolder: Cache);
        var services = new ServiceCollection();
        services.AddQwenChatClient(o => o.ModelPath = model);
        await using ServiceProvider provider = services.BuildServiceProvider();
        IChatClient client = provider.GetRequiredService<IChatClient>();
        Assert.That(client.GetService(typeof(QwenModel)), Is.Null, "resolving the client does not load the model");

        IHostedService warmup = provider.GetServices<IHostedService>().Single();
        await warmup.StartAsync(CancellationToken.None);

        var loaded = (QwenModel?)client.GetService(typeof(QwenModel));
        Assert.That(loaded!.Folder.Path, Is.EqualTo(Path.GetFullPath(model)));
        ChatResponse response = await client.GetResponseAsync("Hello", new ChatOptions { MaxOutputTokens = 2 });
        Assert.That(response.Usage!.OutputTokenCount, Is.EqualTo(2));
    }

    [Test]
    public async Task A_model_that_cannot_load_fails_the_host_start_and_every_request_with_the_typed_error_and_is_logged()
    {
        string broken = Directory.CreateTempSubdirectory("qwen-di-broken-").FullName;
        try
        {
            var logs = new RecordingLoggerFactory();
            var services = new ServiceCollection();
            services.AddSingleton<Microsoft.Extensions.Logging.ILoggerFactory>(logs);
            services.AddQwenChatClient(o => o.ModelPath = broken);
            await using ServiceProvider provider = services.BuildServiceProvider();

            IChatClient client = provider.GetRequiredService<IChatClient>();
            Assert.ThrowsAsync<InvalidModelException>(() => provider.GetServices<IHostedService>().Single().StartAsync(CancellationToken.None));
            var e = Assert.ThrowsAsync<InvalidModelException>(() => client.GetResponseAsync("Hello"));
            Assert.That(e!.ModelPath, Is.EqualTo(broken));
            Assert.That(logs.Warnings, Has.Exactly(1).Contains($"The Qwen model at {broken} could not be loaded"), "logged once, not per request");
        }
        finally
        {
            Directory.Delete(broken, recursive: true);
        }
    }

    [Test]
    public void Additional_properties_deserialised_from_JSON_map_like_CLR_values()
    {
        var fromJson = JsonSerializer.Deserialize<ChatOptions>("""{"additionalProperties":{"repetition_penalty":1.25,"enable_thinking":false}}""", AIJsonUtilities.DefaultOptions)!;
        Assert.That(fromJson.AdditionalProperties!["repetition_penalty"], Is.TypeOf<JsonElement>(), "the case this covers");
        var fromClr = new ChatOptions { AdditionalProperties = new() { ["repetition_penalty"] = 1.25, ["enable_thinking"] = "false" } };

        foreach (ChatOptions options in new[] { fromJson, fromClr })
        {
            GenerationOptions mapped = ChatRequestMapping.ToRequest([new ChatMessage(ChatRole.User, "x")], options).Options;
            Assert.That(mapped.RepetitionPenalty, Is.EqualTo(1.25f));
            Assert.That(mapped.EnableThinking, Is.False);
        }
    }

    [Test]
    public void A_wrongly_typed_additional_property_is_a_clear_argument_error()
    {
        var options = new ChatOptions { AdditionalProperties = new() { ["repetition_penalty"] = JsonSerializer.SerializeToElement("strong") } };
        var e = Assert.Throws<ArgumentException>(() => ChatRequestMapping.ToRequest([new ChatMessage(ChatRole.User, "x")], options));
        Assert.That(e!.Message, Does.Contain("\"repetition_penalty\"] must be a number"));
    }

    [TestCase(ReasoningEffort.None, false)]
    [TestCase(ReasoningEffort.Low, true)]
    [TestCase(ReasoningEffort.High, true)]
    public void Reasoning_effort_switches_thinking(ReasoningEffort effort, bool thinking)
    {
        var options = new ChatOptions { Reasoning = new ReasoningOptions { Effort = effort } };
        Assert.That(ChatRequestMapping.ToRequest([new ChatMessage(ChatRole.User, "x")], options).Options.EnableThinking, Is.EqualTo(thinking));
    }
}
