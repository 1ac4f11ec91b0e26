using NAudio.Wave;

namespace Qwen.Onnx.Audio.Tests;

/// <summary>Test signals and WAV files written in memory.</summary>
internal static class Signals
{
    public static string Data(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", name);

    public static float[] Sine(double frequency, int rate, double seconds, double amplitude = 0.5, int channels = 1)
    {
        int frames = (int)(rate * seconds);
        var samples = new float[frames * channels];
        for (int i = 0; i < frames; i++)
        {
            for (int c = 0; c < channels; c++)
            {
                samples[(i * channels) + c] = (float)(amplitude * Math.Sin(2 * Math.PI * frequency * i / rate));
            }
        }

        return samples;
    }

    public static byte[] Wav(WaveFormat format, ReadOnlySpan<float> samples)
    {
        using var buffer = new MemoryStream();
        using (var writer = new WaveFileWriter(buffer, format))
        {
            foreach (float s in samples)
            {
                if (format.BitsPerSample == 8)
                {
                    writer.WriteByte((byte)Math.Clamp(Math.Round((s * 128) + 128), 0, 255));
                }
                else
                {
                    writer.WriteSample(s);
                }
            }
        }

        return buffer.ToArray();
    }

    /// <summary>The amplitude of the component at <paramref name="frequency"/>, by correlation (edges skipped).</summary>
    public static double Amplitude(ReadOnlySpan<float> x, double frequency, int rate, int skip)
    {
        double re = 0, im = 0;
        int n = x.Length - (2 * skip);
        for (int i = skip; i < skip + n; i++)
        {
            double phase = 2 * Math.PI * frequency * i / rate;
            re += x[i] * Math.Cos(phase);
            im += x[i] * Math.Sin(phase);
        }

        return 2 * Math.Sqrt((re * re) + (im * im)) / n;
    }

    public static double Rms(ReadOnlySpan<float> x, int skip)
    {
        double sum = 0;
        for (int i = skip; i < x.Length - skip; i++)
        {
            sum += x[i] * (double)x[i];
        }

        return Math.Sqrt(sum / (x.Length - (2 * skip)));
    }
}
