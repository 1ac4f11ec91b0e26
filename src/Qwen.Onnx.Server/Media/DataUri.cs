using Microsoft.Extensions.AI;
using Qwen.Onnx.Server.Protocol;

namespace Qwen.Onnx.Server.Media;

/// <summary>Decodes base64 media: <c>data:image/...;base64,</c> URIs and bare base64 audio, within a byte limit.</summary>
internal static class DataUri
{
    /// <summary>The image types Qwen.Onnx's vision package decodes.</summary>
    private static readonly string[] ImageTypes = ["image/png", "image/jpeg", "image/jpg", "image/webp", "image/gif", "image/bmp"];

    public static bool IsDataUri(string url) => url.StartsWith("data:", StringComparison.OrdinalIgnoreCase);

    public static DataContent DecodeImage(string uri, string path, int maxBytes)
    {
        int comma = uri.IndexOf(',', StringComparison.Ordinal);
        string[] header = comma < 0 ? [] : uri[5..comma].Split(';');
        if (header.Length < 2 || !header[^1].Equals("base64", StringComparison.OrdinalIgnoreCase))
        {
            throw ApiError.Invalid(path, $"Invalid '{path}': a data URI must look like data:image/png;base64,<data>.", "invalid_image_url");
        }

        string mediaType = header[0].ToLowerInvariant();
        if (!ImageTypes.Contains(mediaType))
        {
            throw ApiError.Invalid(path, $"Invalid '{path}': unsupported image type '{header[0]}'. Send PNG, JPEG, WebP, GIF or BMP.", "invalid_image_format");
        }

        return new DataContent(Decode(uri.AsSpan(comma + 1), path, maxBytes), mediaType == "image/jpg" ? "image/jpeg" : mediaType);
    }

    public static ReadOnlyMemory<byte> DecodeBase64(string base64, string path, int maxBytes) => Decode(base64, path, maxBytes);

    private static ReadOnlyMemory<byte> Decode(ReadOnlySpan<char> base64, string path, int maxBytes)
    {
        long upperBound = (long)base64.Length * 3 / 4;
        if (upperBound > maxBytes)
        {
            throw new ApiError(400, $"Invalid '{path}': the file is about {upperBound / 1_048_576.0:F1} MB; this server accepts media up to {maxBytes / 1_048_576.0:F1} MB.", path, "media_too_large");
        }

        byte[] bytes = new byte[upperBound];
        if (base64.IsEmpty || !Convert.TryFromBase64Chars(base64, bytes, out int written) || written == 0)
        {
            throw ApiError.Invalid(path, $"Invalid '{path}': not valid, non-empty base64.", "invalid_base64");
        }

        return bytes.AsMemory(0, written);
    }
}
