namespace Qwen.Onnx.Vision.Preprocessing;

/// <summary>Packed 8-bit RGB pixels, rows top to bottom, no padding.</summary>
/// <param name="Pixels">Width × Height × 3 bytes.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
public sealed record RgbImage(byte[] Pixels, int Width, int Height)
{
    /// <summary>Bytes per row.</summary>
    public int Stride => Width * 3;
}
