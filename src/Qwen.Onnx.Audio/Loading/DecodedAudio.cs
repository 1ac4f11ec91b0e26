namespace Qwen.Onnx.Audio.Loading;

/// <summary>Decoded audio: interleaved float samples in [-1, 1] with their rate and channel count.</summary>
/// <param name="Samples">Interleaved samples.</param>
/// <param name="SampleRate">Samples per second per channel.</param>
/// <param name="Channels">Interleaved channels.</param>
public sealed record DecodedAudio(float[] Samples, int SampleRate, int Channels)
{
    /// <summary>Samples per channel.</summary>
    public int Frames => Samples.Length / Channels;

    /// <summary>How long the audio lasts.</summary>
    public TimeSpan Duration => TimeSpan.FromSeconds((double)Frames / SampleRate);
}
