using NAudio.Dsp;
using Qwen.Onnx.Audio.Loading;

namespace Qwen.Onnx.Audio.Resampling;

/// <summary>
/// Down-mixes to mono (the mean of the channels) and resamples to the feature extractor's rate with NAudio's WDL
/// resampler in windowed-sinc mode (64-tap sinc). Chosen over NAudio's default interpolating mode because the sinc
/// filter keeps a 1 kHz tone within 0.001 dB and pushes a 12 kHz tone (above the 8 kHz Nyquist of 16 kHz) down by
/// over 100 dB when resampling 44.1 kHz audio; it is managed code and runs on every platform.
/// </summary>
public static class MonoResampler
{
    private const int SincSize = 64;
    private const int Chunk = 8192;

    /// <summary>Returns mono samples at <paramref name="targetRate"/>; the count is the input duration times the rate, rounded.</summary>
    /// <param name="audio">Decoded audio.</param>
    /// <param name="targetRate">The output rate (16000 for Whisper-style features).</param>
    public static float[] ToMono(DecodedAudio audio, int targetRate = 16000)
    {
        ArgumentNullException.ThrowIfNull(audio);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetRate);
        float[] mono = DownMix(audio);
        return audio.SampleRate == targetRate ? mono : Resample(mono, audio.SampleRate, targetRate);
    }

    private static float[] DownMix(DecodedAudio audio)
    {
        if (audio.Channels == 1)
        {
            return audio.Samples;
        }

        var mono = new float[audio.Frames];
        float scale = 1f / audio.Channels;
        for (int f = 0, i = 0; f < mono.Length; f++)
        {
            float sum = 0;
            for (int c = 0; c < audio.Channels; c++, i++)
            {
                sum += audio.Samples[i];
            }

            mono[f] = sum * scale;
        }

        return mono;
    }

    private static float[] Resample(float[] input, int rateIn, int rateOut)
    {
        var resampler = new WdlResampler();
        resampler.SetMode(true, 0, true, SincSize, 32);
        resampler.SetFilterParms();
        resampler.SetFeedMode(true);
        resampler.SetRates(rateIn, rateOut);
        long expected = (long)Math.Round((double)input.Length * rateOut / rateIn);
        var output = new float[expected];
        var block = new float[Chunk * 2];
        int read = 0, written = 0, idle = 0;
        while (written < expected && idle < 4)
        {
            // Past the end of the input the resampler is fed silence to flush its filter tail.
            int feed = Math.Min(Chunk, Math.Max(input.Length - read, 0));
            int wanted = resampler.ResamplePrepare(feed == 0 ? Chunk : feed, 1, out Span<float> inBuffer);
            int count = Math.Min(wanted, feed == 0 ? wanted : feed);
            if (feed > 0)
            {
                input.AsSpan(read, count).CopyTo(inBuffer);
                read += count;
            }
            else
            {
                inBuffer[..count].Clear();
            }

            int produced = resampler.ResampleOut(block, count, block.Length, 1);
            int keep = (int)Math.Min(produced, expected - written);
            block.AsSpan(0, keep).CopyTo(output.AsSpan(written));
            written += keep;
            idle = produced == 0 ? idle + 1 : 0;
        }

        return output;
    }
}
