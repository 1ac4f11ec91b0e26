namespace Qwen.Onnx.Vision.Loading;

/// <summary>The encoded bytes of a file, byte or stream part, never more than <see cref="ImageLoadOptions.MaxEncodedBytes"/>.</summary>
internal static class EncodedImageReader
{
    public static async Task<ReadOnlyMemory<byte>> ReadAsync(ImagePart image, ImageLoadOptions options, CancellationToken cancellationToken)
    {
        if (image.FilePath is string path)
        {
            var file = new FileInfo(path);
            if (!file.Exists)
            {
                throw new InvalidImageException($"The image file '{path}' does not exist.");
            }

            if (file.Length > options.MaxEncodedBytes)
            {
                throw new InvalidImageException($"The image file '{path}' is {file.Length:N0} bytes, over the limit of {options.MaxEncodedBytes:N0}.");
            }

            return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }

        if (image.EncodedBytes is ReadOnlyMemory<byte> bytes)
        {
            return bytes;
        }

        // A caller's stream may be unseekable or endless: copy at most the limit.
        var copy = new MemoryStream();
        byte[] buffer = new byte[81920];
        int read;
        while ((read = await image.Stream!.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (copy.Length + read > options.MaxEncodedBytes)
            {
                throw new InvalidImageException($"The image stream is longer than the limit of {options.MaxEncodedBytes:N0} bytes.");
            }

            copy.Write(buffer, 0, read);
        }

        return copy.GetBuffer().AsMemory(0, (int)copy.Length);
    }
}
