namespace Qwen.Onnx.Audio.Loading;

/// <summary>Limits that keep untrusted audio from exhausting memory or time.</summary>
public sealed record AudioLoadOptions
{
    /// <summary>
    /// The longest audio accepted; longer input is rejected (from the header where the format declares its length,
    /// otherwise as soon as decoding passes the limit). Default 10 minutes (twenty 30-second segments).
    /// </summary>
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The most bytes read from a stream or file. Default 512 MiB.</summary>
    public long MaxEncodedBytes { get; init; } = 512L * 1024 * 1024;
}
