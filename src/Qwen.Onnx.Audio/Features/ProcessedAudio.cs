namespace Qwen.Onnx.Audio.Features;

/// <summary>
/// One audio input as the audio encoder takes it: Whisper features of each 30-second segment, their attention masks,
/// and the number of <c>&lt;|AUDIO|&gt;</c> tokens each segment takes in the prompt. Audio longer than one chunk is
/// split into segments in order (each its own audio part in the prompt), never truncated.
/// </summary>
public sealed class ProcessedAudio
{
    internal ProcessedAudio(float[] features, long[] mask, int[] tokens, int featureSize, int frames, TimeSpan duration)
    {
        InputFeatures = features;
        FeatureAttentionMask = mask;
        TokenCounts = tokens;
        FeatureSize = featureSize;
        Frames = frames;
        Duration = duration;
    }

    /// <summary><c>input_features</c>, row-major [<see cref="Segments"/>, <see cref="FeatureSize"/>, <see cref="Frames"/>].</summary>
    public float[] InputFeatures { get; }

    /// <summary><c>feature_attention_mask</c>, row-major [<see cref="Segments"/>, <see cref="Frames"/>]: 1 for frames that hold audio.</summary>
    public long[] FeatureAttentionMask { get; }

    /// <summary>Audio tokens of each segment.</summary>
    public IReadOnlyList<int> TokenCounts { get; }

    /// <summary>30-second segments.</summary>
    public int Segments => TokenCounts.Count;

    /// <summary>Mel bins (128 for Qwen2-Audio).</summary>
    public int FeatureSize { get; }

    /// <summary>Frames per segment (3000).</summary>
    public int Frames { get; }

    /// <summary>Length of the audio after resampling.</summary>
    public TimeSpan Duration { get; }
}
