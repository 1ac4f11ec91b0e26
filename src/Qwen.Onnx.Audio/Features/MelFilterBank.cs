namespace Qwen.Onnx.Audio.Features;

/// <summary>
/// Slaney-style mel filters with Slaney area normalisation, as <c>mel_filter_bank(num_frequency_bins, num_mel_filters,
/// 0, sr/2, sr, norm="slaney", mel_scale="slaney")</c> of Hugging Face (and librosa's default). Computed in double;
/// stored sparse, because each filter covers only a few FFT bins.
/// </summary>
internal sealed class MelFilterBank
{
    private MelFilterBank(int[] firstBin, float[][] weights)
    {
        FirstBin = firstBin;
        Weights = weights;
    }

    /// <summary>The first FFT bin of each filter.</summary>
    public int[] FirstBin { get; }

    /// <summary>Each filter's weights from its first bin on.</summary>
    public float[][] Weights { get; }

    /// <summary>The dense [mel, bin] matrix in double, for tests.</summary>
    public static double[,] Dense(int bins, int mels, double maxFrequency)
    {
        double minMel = HertzToMel(0), maxMel = HertzToMel(maxFrequency);
        var filterFreqs = new double[mels + 2];
        for (int i = 0; i < mels + 2; i++)
        {
            filterFreqs[i] = MelToHertz(minMel + ((maxMel - minMel) * i / (mels + 1)));
        }

        var filters = new double[mels, bins];
        for (int m = 0; m < mels; m++)
        {
            double enorm = 2.0 / (filterFreqs[m + 2] - filterFreqs[m]);
            for (int k = 0; k < bins; k++)
            {
                double f = maxFrequency * k / (bins - 1);
                double down = (f - filterFreqs[m]) / (filterFreqs[m + 1] - filterFreqs[m]);
                double up = (filterFreqs[m + 2] - f) / (filterFreqs[m + 2] - filterFreqs[m + 1]);
                filters[m, k] = Math.Max(0, Math.Min(down, up)) * enorm;
            }
        }

        return filters;
    }

    public static MelFilterBank Create(int bins, int mels, double maxFrequency)
    {
        double[,] dense = Dense(bins, mels, maxFrequency);
        var first = new int[mels];
        var weights = new float[mels][];
        for (int m = 0; m < mels; m++)
        {
            int start = 0, end = bins;
            while (start < bins && dense[m, start] == 0)
            {
                start++;
            }

            while (end > start && dense[m, end - 1] == 0)
            {
                end--;
            }

            first[m] = start;
            weights[m] = [.. Enumerable.Range(start, end - start).Select(k => (float)dense[m, k])];
        }

        return new MelFilterBank(first, weights);
    }

    /// <summary>Slaney's scale: linear below 1 kHz, logarithmic above.</summary>
    public static double HertzToMel(double hertz) =>
        hertz < 1000 ? 3.0 * hertz / 200.0 : 15.0 + (Math.Log(hertz / 1000.0) * 27.0 / Math.Log(6.4));

    public static double MelToHertz(double mel) =>
        mel < 15 ? 200.0 * mel / 3.0 : 1000.0 * Math.Exp(Math.Log(6.4) / 27.0 * (mel - 15.0));
}
