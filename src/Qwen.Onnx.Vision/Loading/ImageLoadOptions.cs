namespace Qwen.Onnx.Vision.Loading;

/// <summary>Limits that keep untrusted images from exhausting memory or time.</summary>
public sealed record ImageLoadOptions
{
    /// <summary>
    /// The most pixels an image may declare in its header; larger images are rejected before any pixel is decoded.
    /// Default 50 million (e.g. 8660 × 5773), about 150 MB of RGB.
    /// </summary>
    public long MaxInputPixels { get; init; } = 50_000_000;

    /// <summary>The most bytes read from a stream or file. Default 256 MiB.</summary>
    public long MaxEncodedBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>How long decoding one image may take before it is abandoned. Default 30 s.</summary>
    public TimeSpan DecodeTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
