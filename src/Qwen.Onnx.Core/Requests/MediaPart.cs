namespace Qwen.Onnx;

/// <summary>
/// An image or audio part: an encoded file given as a path, bytes or a stream, or decoded data (see the subclasses).
/// Creating a part is cheap; decoding happens when the request runs.
/// </summary>
public abstract class MediaPart : ContentPart
{
    private protected MediaPart()
    {
    }

    /// <summary>The path, when created from a file.</summary>
    public string? FilePath { get; private protected init; }

    /// <summary>The encoded file's bytes, when created from bytes.</summary>
    public ReadOnlyMemory<byte>? EncodedBytes { get; private protected init; }

    /// <summary>The stream, when created from one; it is read when the request runs and stays the caller's to dispose.</summary>
    public Stream? Stream { get; private protected init; }

    private protected static string CheckPath(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return path;
    }

    private protected static Stream CheckStream(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return stream.CanRead ? stream : throw new ArgumentException("The stream must be readable.", nameof(stream));
    }
}
