using Microsoft.Extensions.AI;
using Microsoft.Playwright;
using Qwen.Onnx.Extensions.AI;

namespace Qwen.Onnx.Server.Tests;

/// <summary>
/// The chat page in a real headless Chromium (Debian's, installed by scripts/test.sh) driven by Playwright: it lists
/// the models, streams answers into the conversation, sends images and audio, and its stop button cancels the
/// generation on the server.
/// </summary>
[NonParallelizable]
public class ChatPageTests
{
    private const string Chromium = "/usr/bin/chromium";
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private IPage _page = null!;

    [OneTimeSetUp]
    public async Task LaunchAsync()
    {
        Assert.That(File.Exists(Chromium), Is.True, $"{Chromium} is missing: run scripts/test.sh, which installs Debian's chromium.");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    [OneTimeTearDown]
    public async Task CloseAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    [SetUp]
    public async Task OpenAsync()
    {
        _page = await _browser.NewPageAsync();
        await _page.GotoAsync(Servers.Main.Address.ToString());
        await Assertions.Expect(_page.Locator("#model option")).ToHaveCountAsync(3);
    }

    [TearDown]
    public Task ClosePageAsync() => _page.CloseAsync();

    private static async Task<string> InProcessAsync(string model, ChatMessage message, int maxTokens) =>
        (await new QwenChatClient(Servers.Main.Model(model)).GetResponseAsync([message], new ChatOptions { MaxOutputTokens = maxTokens })).Text;

    private async Task<string> AnswerAsync()
    {
        ILocator stats = _page.Locator(".message.assistant .stats");
        await Assertions.Expect(stats).ToBeVisibleAsync(new() { Timeout = 60_000 });
        return await _page.Locator(".message.assistant .content").TextContentAsync() ?? "";
    }

    [Test]
    public async Task ItListsTheModelsAndStreamsAnAnswerWithItsTimings()
    {
        Assert.That(await _page.Locator("#model option").AllTextContentsAsync(), Is.EqualTo(new[] { "text (text)", "vl (text, image, video)", "audio (text, audio)" }));
        await _page.SelectOptionAsync("#model", "text");
        await _page.FillAsync("#max-tokens", "12");
        await _page.FillAsync("#prompt", "Hello there");
        await _page.ClickAsync("#send");
        string answer = await AnswerAsync();
        string stats = await _page.Locator(".message.assistant .stats").TextContentAsync() ?? "";
        Assert.Multiple(async () =>
        {
            Assert.That(answer, Is.EqualTo(await InProcessAsync("text", new ChatMessage(ChatRole.User, "Hello there"), 12)).And.Not.Empty);
            Assert.That(stats, Does.Match(@"^TTFT \d+ ms · [\d.]+ tokens/s · 12 tokens$"));
            Assert.That(await _page.Locator(".message.user .content").TextContentAsync(), Is.EqualTo("Hello there"));
        });
    }

    [TestCase("vl", "#image-input", "rgb-97x61.png", "image/png", "image", "img")]
    [TestCase("audio", "#audio-input", "tone-1k-stereo-44k.mp3", "audio/mpeg", "audio", "audio")]
    public async Task ItSendsAnAttachedFile(string model, string input, string file, string mediaType, string kind, string element)
    {
        string path = Servers.TestData(file);
        await _page.SelectOptionAsync("#model", model);
        await _page.FillAsync("#max-tokens", "5");
        await _page.SetInputFilesAsync(input, path);
        await Assertions.Expect(_page.Locator(".attachment")).ToHaveTextAsync($"{kind}: {file}×");
        await _page.FillAsync("#prompt", "What is this?");
        await _page.ClickAsync("#send");
        string answer = await AnswerAsync();
        string expected = await InProcessAsync(model, new ChatMessage(ChatRole.User, [new TextContent("What is this?"), new DataContent(await File.ReadAllBytesAsync(path), mediaType)]), 5);
        Assert.Multiple(async () =>
        {
            Assert.That(answer, Is.EqualTo(expected));
            Assert.That(await _page.Locator(".message.user " + element).CountAsync(), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task ARecordingEncodedAsWavInThePageReachesTheAudioModel()
    {
        // What the Record button does after capture: samples -> the page's WAV encoder -> an input_audio part.
        await _page.SelectOptionAsync("#model", "audio");
        await _page.FillAsync("#max-tokens", "5");
        string wavBase64 = await _page.EvaluateAsync<string>("""
            async () => {
              const samples = new Float32Array(8000).map((_, i) => 0.5 * Math.sin(2 * Math.PI * 440 * i / 16000));
              const wav = encodeWav([samples.subarray(0, 4096), samples.subarray(4096)], 16000);
              await attachAudio(wav, "recording.wav");
              return base64(await wav.arrayBuffer());
            }
            """);
        await Assertions.Expect(_page.Locator(".attachment")).ToHaveTextAsync("audio: recording.wav×");
        await _page.FillAsync("#prompt", "What is this?");
        await _page.ClickAsync("#send");
        string answer = await AnswerAsync();
        byte[] wav = Convert.FromBase64String(wavBase64);
        string expected = await InProcessAsync("audio", new ChatMessage(ChatRole.User, [new TextContent("What is this?"), new DataContent(wav, "audio/wav")]), 5);
        Assert.Multiple(() =>
        {
            Assert.That(wav, Has.Length.EqualTo(44 + (8000 * 2)));
            Assert.That(System.Text.Encoding.ASCII.GetString(wav, 0, 4) + System.Text.Encoding.ASCII.GetString(wav, 8, 4), Is.EqualTo("RIFFWAVE"));
            Assert.That(BitConverter.ToInt32(wav, 24), Is.EqualTo(16000), "sample rate");
            Assert.That(BitConverter.ToInt16(wav, 44 + (4 * 2)), Is.EqualTo((short)(0.5 * Math.Sin(2 * Math.PI * 440 * 4 / 16000) * 0x7fff)), "a 16-bit sample");
            Assert.That(answer, Is.EqualTo(expected));
        });
    }

    [Test]
    public async Task TheStopButtonCancelsTheGenerationOnTheServer()
    {
        int cancelledBefore = Servers.Main.Log.CountCancelled();
        await _page.SelectOptionAsync("#model", "text");
        await _page.FillAsync("#prompt", "Keep talking");
        await _page.ClickAsync("#send");
        ILocator content = _page.Locator(".message.assistant .content");
        await Assertions.Expect(content).Not.ToBeEmptyAsync(new() { Timeout = 30_000 });
        await _page.ClickAsync("#stop");
        await Assertions.Expect(_page.Locator(".message.assistant .stats")).ToContainTextAsync("stopped");
        await Servers.Main.Log.WaitForCancelledAsync(cancelledBefore);
        Assert.Multiple(async () =>
        {
            Assert.That(Servers.Main.Log.CountCancelled(), Is.EqualTo(cancelledBefore + 1), "the server logged the cancelled request");
            Assert.That(await _page.IsDisabledAsync("#stop"), Is.True);
        });
    }
}
