using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
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
    public void FeaturesAreEachSegmentsLeadingRowsOfTheGraphRunThroughOnnxRuntimesManagedApi()
    {
        // The reference is the same graph run by Microsoft.ML.OnnxRuntime's InferenceSession; each 30 s segment keeps
        // as many of its 750 output rows as it has audio tokens (750 for the full segment, 125 for the 5 s rest).
        ProcessedAudio audio = QwenAudioProcessor.FromModelFolder(Model).Process(Signals.Sine(440, 16000, 35));
        using QwenAudioEncoder encoder = QwenAudioEncoder.Open(Model);
        using var reference = new InferenceSession(Path.Combine(Model, "onnx", "audio_encoder.onnx"));
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> outputs = reference.Run(
        [
            NamedOnnxValue.CreateFromTensor("input_features", new DenseTensor<float>(audio.InputFeatures.ToArray(), [audio.Segments, audio.FeatureSize, audio.Frames])),
            NamedOnnxValue.CreateFromTensor("feature_attention_mask", new DenseTensor<long>(audio.FeatureAttentionMask.ToArray(), [audio.Segments, audio.Frames])),
        ]);
        Tensor<float> full = outputs[0].AsTensor<float>();
        int hidden = full.Dimensions[2];
        float[] expected = [.. Enumerable.Range(0, 750 * hidden).Select(i => full[0, i / hidden, i % hidden]), .. Enumerable.Range(0, 125 * hidden).Select(i => full[1, i / hidden, i % hidden])];
        Assert.That(encoder.Encode(audio), Is.EqualTo(expected).Within(1e-5f));
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
