namespace Qwen.Onnx.Vision.Loading;

/// <summary>
/// Finds a JPEG's end-of-image marker (FF D9). Entropy-coded data stuffs every FF byte with 00, so the pair can only
/// be a marker; a file without it was cut off.
/// </summary>
internal static class JpegEndMarker
{
    public static bool IsPresent(Stream stream)
    {
        long start = stream.Position;
        try
        {
            byte[] buffer = new byte[64 * 1024];
            bool previousWasFf = false;
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                ReadOnlySpan<byte> chunk = buffer.AsSpan(0, read);
                if (previousWasFf && chunk[0] == 0xD9)
                {
                    return true;
                }

                if (chunk.IndexOf([(byte)0xFF, (byte)0xD9]) >= 0)
                {
                    return true;
                }

                previousWasFf = chunk[^1] == 0xFF;
            }

            return false;
        }
        finally
        {
            stream.Position = start;
        }
    }
}
