namespace Qwen.Onnx.Vision.Preprocessing;

/// <summary>Packed 8-bit RGB pixels, rows top to bottom, no padding between rows.</summary>
/// <param name="Pixels">At least Width × Height × 3 bytes (a pooled buffer may be longer); the image is its start.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
public sealed record RgbImage(byte[] Pixels, int Width, int Height)
{
    /// <summary>Bytes per row.</summary>
    public int Stride => Width * 3;

    /// <summary>Bytes of the image: Width × Height × 3.</summary>
    public int Length => Stride * Height;

    /// <summary>The image's bytes.</summary>
    public ReadOnlySpan<byte> Span => Pixels.AsSpan(0, Length);
}
