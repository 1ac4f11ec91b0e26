using Qwen.Onnx.Testing;

namespace Qwen.Onnx.Server.Tests;

/// <summary>
/// The two servers every test class shares (loading models is the slow part): <see cref="Main"/> serves the tiny
/// text, vision-language and audio models with the default options except a 1 MB media limit (so oversized media are
/// cheap to send), a long default answer (so the stop button has something to stop) and remote images allowed with a
/// 1 s time limit; <see cref="Restricted"/>
/// serves the text model behind an API key, with one generation slot, no queue and a 1 MB body limit.
/// </summary>
[SetUpFixture]
public sealed class Servers
{
    public const string ApiKey = "test-key-123";

    public static RunningServer Main { get; private set; } = null!;

    public static RunningServer Restricted { get; private set; } = null!;

    public static string TextModel { get; } = TinyModelFactory.GetOrCreateTextModel();

    public static string VisionModel { get; } = TinyModelFactory.GetOrCreateVisionLanguageModel();

    public static string AudioModel { get; } = TinyModelFactory.GetOrCreateAudioLanguageModel();

    public static string TestData(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", name);

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        Main = await RunningServer.StartAsync(o =>
        {
            o.AddModel("text", TextModel).AddModel("vl", VisionModel).AddModel("audio", AudioModel);
            o.MaxMediaBytes = 1024 * 1024;
            o.DefaultMaxTokens = 1500;
            o.AllowRemoteMedia = true;
            o.RemoteMediaTimeout = TimeSpan.FromSeconds(1);
        });
        Restricted = await RunningServer.StartAsync(o =>
        {
            o.AddModel("text", TextModel);
            o.ApiKey = ApiKey;
            o.MaxConcurrentRequests = 1;
            o.QueueLength = 0;
            o.MaxRequestBodyBytes = 1024 * 1024;
        });
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await Main.DisposeAsync();
        await Restricted.DisposeAsync();
    }
}
