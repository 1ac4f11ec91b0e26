using Qwen.Onnx.Audio.Features;
using Qwen.Onnx.Audio.Resampling;
using Qwen.Onnx.Audio.Loading;

namespace Qwen.Onnx.Audio.Tests;

public class ProcessorTests
{
    [TestCase(16000, 16000, 1)]
    [TestCase(16000, 30 * 16000, 1)]
    [TestCase(16000, (30 * 16000) + 1, 2)]
    [TestCase(16000, 65 * 16000, 3)]
    [TestCase(44100, 35 * 44100, 2)]
    public async Task SegmentsAreCountedWithoutFeaturesAsProcessingSplitsThem(int rate, int samples, int segments)
    {
        var processor = new QwenAudioProcessor();
        AudioPart audio = AudioPart.FromSamples(new float[samples], rate);
        Assert.Multiple(async () =>
        {
            Assert.That(await processor.CountSegmentsAsync(audio), Is.EqualTo(segments));
            Assert.That((await processor.ProcessAsync(audio)).Segments, Is.EqualTo(segments));
        });
    }

    [TestCase(16000, 25)]
    [TestCase(160000, 250)]
    [TestCase(479841, 750)]
    [TestCase(480000, 750)]
    [TestCase(320, 0)]
    [TestCase(1, 0)]
    [TestCase(0, 0)]
    [TestCase(321, 1)]
    public void TokenCountsUseFloorDivision(long samples, int tokens) =>
        Assert.That(QwenAudioProcessor.AudioTokenCount(samples), Is.EqualTo(tokens));

    [Test]
    public void ASineLightsUpTheMelBinOfItsFrequency()
    {
        var processor = new QwenAudioProcessor();
        ProcessedAudio audio = processor.Process(Signals.Sine(1000, 16000, 1.0));
        int frame = 50, best = 0;
        float[] f = audio.InputFeatures;
        for (int m = 1; m < 128; m++)
        {
            if (f[(m * 3000) + frame] > f[(best * 3000) + frame])
            {
                best = m;
            }
        }

        // The Slaney filter whose centre lies nearest 1 kHz.
        int expected = Enumerable.Range(0, 128).MinBy(m => Math.Abs(MelFilterBank.MelToHertz(MelFilterBank.HertzToMel(8000) * (m + 1) / 129) - 1000));
        Assert.That(best, Is.InRange(expected - 1, expected + 1));
    }

    [Test]
    public void SilenceGivesTheFloorEverywhere()
    {
        ProcessedAudio audio = new QwenAudioProcessor().Process(new float[16000]);
        Assert.Multiple(() =>
        {
            Assert.That(audio.InputFeatures.Distinct(), Is.EqualTo(new[] { (-10f + 4f) / 4f }));
            Assert.That(audio.TokenCounts, Is.EqualTo(new[] { 25 }));
            Assert.That(audio.FeatureAttentionMask.Take(100).All(v => v == 1) && audio.FeatureAttentionMask.Skip(100).All(v => v == 0), Is.True);
        });
    }

    [Test]
    public void AudioLongerThanAChunkIsSplitNotTruncated()
    {
        ProcessedAudio audio = new QwenAudioProcessor().Process(Signals.Sine(440, 16000, 65));
        Assert.Multiple(() =>
        {
            Assert.That(audio.Segments, Is.EqualTo(3));
            Assert.That(audio.TokenCounts, Is.EqualTo(new[] { 750, 750, 125 }));
            Assert.That(audio.InputFeatures, Has.Length.EqualTo(3 * 128 * 3000));
            Assert.That(audio.FeatureAttentionMask.Count(v => v == 1), Is.EqualTo(3000 + 3000 + 500));
            Assert.That(audio.Duration, Is.EqualTo(TimeSpan.FromSeconds(65)));
        });
    }

    [Test]
    public void AMaximumDurationRejectsLongerAudio()
    {
        var processor = new QwenAudioProcessor(loadOptions: new AudioLoadOptions { MaxDuration = TimeSpan.FromSeconds(2) });
        var ex = Assert.ThrowsAsync<InvalidAudioException>(() => processor.ProcessAsync(AudioPart.FromSamples(Signals.Sine(440, 16000, 3), 16000)));
        Assert.That(ex!.Message, Does.Contain("MaxDuration"));
    }

    [Test]
    public async Task StereoAt44kHzGivesTheSameFeaturesAsMono16kHz()
    {
        var processor = new QwenAudioProcessor();
        ProcessedAudio stereo = await processor.ProcessAsync(AudioPart.FromSamples(Signals.Sine(1000, 44100, 1, channels: 2), 44100, 2));
        ProcessedAudio mono = processor.Process(Signals.Sine(1000, 16000, 1));
        float worst = 0;
        for (int m = 0; m < 128; m++)
        {
            for (int t = 5; t < 95; t++)
            {
                worst = Math.Max(worst, Math.Abs(stereo.InputFeatures[(m * 3000) + t] - mono.InputFeatures[(m * 3000) + t]));
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(stereo.TokenCounts, Is.EqualTo(mono.TokenCounts));
            Assert.That(worst, Is.LessThan(0.05f), "the same tone, resampled, has nearly the same spectrum inside the audio");
        });
    }

    [Test]
    public void ResamplingKeepsA1kHzToneWithin0Point1Decibel()
    {
        float[] output = MonoResampler.ToMono(new DecodedAudio(Signals.Sine(1000, 44100, 2), 44100, 1));
        double level = 20 * Math.Log10(Signals.Amplitude(output, 1000, 16000, 2000) / 0.5);
        double frequency = MeasuredFrequency(output, 16000);
        TestContext.Out.WriteLine($"1 kHz after resampling: level {level:F4} dB, frequency {frequency:F2} Hz, {output.Length} samples");
        Assert.Multiple(() =>
        {
            Assert.That(output, Has.Length.EqualTo(32000));
            Assert.That(Math.Abs(level), Is.LessThan(0.1));
            Assert.That(frequency, Is.EqualTo(1000).Within(0.5));
        });
    }

    [Test]
    public void ResamplingRemovesA12kHzToneBelowMinus60Decibel()
    {
        float[] output = MonoResampler.ToMono(new DecodedAudio(Signals.Sine(12000, 44100, 2), 44100, 1));
        double residual = 20 * Math.Log10(Signals.Rms(output, 2000) * Math.Sqrt(2) / 0.5);
        TestContext.Out.WriteLine($"12 kHz after resampling to 16 kHz: {residual:F1} dB");
        Assert.That(residual, Is.LessThan(-60));
    }

    private static double MeasuredFrequency(float[] x, int rate)
    {
        // Zero crossings over the steady middle part.
        int first = -1, last = -1, crossings = 0;
        for (int i = 2001; i < x.Length - 2000; i++)
        {
            if (x[i - 1] < 0 && x[i] >= 0)
            {
                first = first < 0 ? i : first;
                last = i;
                crossings++;
            }
        }

        return (crossings - 1) * (double)rate / (last - first);
    }
}
