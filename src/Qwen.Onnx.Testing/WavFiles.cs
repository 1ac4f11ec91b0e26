namespace Qwen.Onnx.Testing;

/// <summary>WAV files written by hand (16 kHz, mono, 16-bit PCM), for tests that feed audio as bytes or streams.</summary>
public static class WavFiles
{
    /// <summary>A 16 kHz mono 16-bit PCM WAV file of samples in [-1, 1].</summary>
    /// <param name="samples">The samples; each is scaled by 32767 and rounded.</param>
    public static byte[] Pcm16(ReadOnlySpan<float> samples)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.ASCII, leaveOpen: true))
        {
            writer.Write("RIFF"u8);
            writer.Write(36 + (samples.Length * 2));
            writer.Write("WAVEfmt "u8);
            writer.Write(16);
            writer.Write((short)1);
            writer.Write((short)1);
            writer.Write(16000);
            writer.Write(32000);
            writer.Write((short)2);
            writer.Write((short)16);
            writer.Write("data"u8);
            writer.Write(samples.Length * 2);
            foreach (float s in samples)
            {
                writer.Write((short)Math.Round(s * 32767));
            }
        }

        return stream.ToArray();
    }
}
