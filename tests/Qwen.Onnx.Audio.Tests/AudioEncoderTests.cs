using Qwen.Onnx.Audio.Encoding;
using Qwen.Onnx.Audio.Features;
using Qwen.Onnx.Models;
using Qwen.Onnx.Testing;
using Qwen.Onnx.Tokenization;

namespace Qwen.Onnx.Audio.Tests;

public class AudioEncoderTests
{
    private static readonly string Model = TinyModelFactory.GetOrCreateAudioLanguageModel(cacheFolder: Path.Combine(Path.GetTempPath(), "qwen-onnx-tests", "models"));

    [Test]
    public void TheTinyModelFollowsTheAudioLayout()
    {
        ModelFolder folder = ModelFolder.Inspect(Model);
        QwenTokenizer tokenizer = QwenTokenizer.FromFolder(Model);
        Assert.Multiple(() =>
        {
            Assert.That(folder.ModelType, Is.EqualTo("qwen2_audio"));
            Assert.That(folder.HasAudioEncoder, Is.True);
            Assert.That(folder.HasVisionEncoder, Is.False);
            Assert.That(tokenizer.TokenToId("<|AUDIO|>"), Is.EqualTo(151646));
            Assert.That(tokenizer.TokenToId("<|audio_bos|>"), Is.EqualTo(151647));
            Assert.That(tokenizer.TokenToId("<|audio_eos|>"), Is.EqualTo(151648));
            Assert.That(tokenizer.Encode("<|audio_bos|><|AUDIO|><|audio_eos|>"), Is.EqualTo(new[] { 151647, 151646, 151648 }));
        });
    }

    [Test]
    public void A_cancelled_token_terminates_the_encoder_run()
    {
        ProcessedAudio audio = QwenAudioProcessor.FromModelFolder(Model).Process(Signals.Sine(440, 16000, 1));
        using QwenAudioEncoder encoder = QwenAudioEncoder.Open(Model);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() => encoder.Encode(audio, cancelled.Token));
        Assert.That(encoder.Encode(audio), Has.Length.EqualTo(audio.TokenCounts[0] * 64), "the session stays usable");
    }

    [Test]
    public void FeaturesHaveOneRowPerAudioTokenOfEachSegment()
    {
        QwenAudioProcessor processor = QwenAudioProcessor.FromModelFolder(Model);
        ProcessedAudio audio = processor.Process(Signals.Sine(440, 16000, 35));
        using QwenAudioEncoder encoder = QwenAudioEncoder.Open(Model);
        float[] features = encoder.Encode(audio);
        Assert.Multiple(() =>
        {
            Assert.That(audio.TokenCounts, Is.EqualTo(new[] { 750, 125 }));
            Assert.That(features, Has.Length.EqualTo(875 * 64));
            Assert.That(features.All(float.IsFinite), Is.True);
        });
    }

    [Test]
    public void DifferentAudioGivesDifferentFeatures()
    {
        var processor = new QwenAudioProcessor();
        using QwenAudioEncoder encoder = QwenAudioEncoder.Open(Model);
        float[] a = encoder.Encode(processor.Process(Signals.Sine(440, 16000, 1)));
        float[] b = encoder.Encode(processor.Process(Signals.Sine(2000, 16000, 1)));
        Assert.That(a, Is.Not.EqualTo(b));
    }

    [Test]
    public void ATextModelFolderHasNoAudioEncoder()
    {
        string folder = Directory.CreateTempSubdirectory("qwen-no-audio-").FullName;
        try
        {
            var ex = Assert.Throws<InvalidModelException>(() => QwenAudioEncoder.Open(folder));
            Assert.That(ex!.Message, Does.Contain("audio_encoder"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
