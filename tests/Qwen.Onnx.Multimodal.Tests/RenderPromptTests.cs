using Qwen.Onnx.Testing;

namespace Qwen.Onnx.Multimodal.Tests;

/// <summary><c>RenderPrompt</c> shows the text the engine feeds, not a simplified rendering of the request.</summary>
public class RenderPromptTests
{
    private static readonly string AudioModel = TinyModelFactory.GetOrCreateAudioLanguageModel(cacheFolder: Path.Combine(Path.GetTempPath(), "qwen-onnx-tests", "models"));

    [Test]
    public async Task AClipLongerThanThirtySecondsIsRenderedAsOneLinePerSegmentAsTheEngineFeedsIt()
    {
        await using MultimodalEngine engine = await MultimodalEngine.LoadAsync(AudioModel);
        // 45 s and then 10 s at 16 kHz: two 30-second segments for the first clip, one for the second.
        var request = new QwenChatRequest([QwenChatMessage.User(AudioPart.FromSamples(new float[45 * 16000], 16000), AudioPart.FromSamples(new float[10 * 16000], 16000), new TextPart("What is said?"))]);
        const string Expected = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
            + "Audio 1: <|audio_bos|><|AUDIO|><|audio_eos|>\nAudio 2: <|audio_bos|><|AUDIO|><|audio_eos|>\nAudio 3: <|audio_bos|><|AUDIO|><|audio_eos|>\n"
            + "What is said?<|im_end|>\n<|im_start|>assistant\n";
        PromptInspection fed = await engine.InspectPromptAsync(request);
        Assert.Multiple(() =>
        {
            Assert.That(engine.RenderPrompt(request), Is.EqualTo(Expected));
            Assert.That(fed.PromptText, Is.EqualTo(Expected));
            Assert.That(fed.AudioTokens, Has.Count.EqualTo(3));
        });
    }

    [Test]
    public async Task RenderingAStreamedClipLeavesTheStreamForTheEngineAndANonSeekableOneIsRefused()
    {
        await using MultimodalEngine engine = await MultimodalEngine.LoadAsync(AudioModel);
        using var wav = new MemoryStream(WavFiles.Pcm16(new float[40 * 16000]));
        wav.Position = 0;
        var request = new QwenChatRequest([QwenChatMessage.User(AudioPart.FromStream(wav), new TextPart("What is said?"))]);
        string rendered = engine.RenderPrompt(request);
        PromptInspection fed = await engine.InspectPromptAsync(request);
        using var once = new NonSeekable(WavFiles.Pcm16(new float[16000]));
        var unseekable = new QwenChatRequest([QwenChatMessage.User(AudioPart.FromStream(once))]);
        Assert.Multiple(() =>
        {
            Assert.That(rendered, Does.Contain("Audio 2: <|audio_bos|>"), "40 s: two segments");
            Assert.That(fed.PromptText, Is.EqualTo(rendered), "the engine read the whole stream after rendering");
            Assert.Throws<ArgumentException>(() => engine.RenderPrompt(unseekable));
        });
    }

    private sealed class NonSeekable(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
