namespace Qwen.Onnx.Audio.Loading;

/// <summary>Reads a caller's stream without disposing it; the caller keeps ownership.</summary>
internal sealed class NonClosingStream(Stream inner) : Stream
{
    private readonly long _start = inner.Position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => inner.Length - _start;

    public override long Position
    {
        get => inner.Position - _start;
        set => inner.Position = _start + value;
    }

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override int Read(Span<byte> buffer) => inner.Read(buffer);

    public override long Seek(long offset, SeekOrigin origin) => origin switch
    {
        SeekOrigin.Begin => inner.Seek(_start + offset, SeekOrigin.Begin) - _start,
        _ => inner.Seek(offset, origin) - _start,
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
