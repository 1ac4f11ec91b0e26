using Microsoft.Extensions.AI;
using Qwen.Onnx.Server.Protocol;

namespace Qwen.Onnx.Server.Media;

/// <summary>
/// http(s) image URLs, fetched only when the server allows remote media, within the byte and time limits; the
/// parser keeps them as <see cref="UriContent"/> and <see cref="FetchAllAsync"/> replaces them with their bytes.
/// </summary>
internal static class RemoteMedia
{
    public static UriContent Reference(string url, string path, MediaLimits limits)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw ApiError.Invalid(path, $"Invalid '{path}': expected a data: URI or an http(s) URL.", "invalid_image_url");
        }

        return limits.AllowRemote ? new UriContent(uri, "image/*")
            : throw ApiError.Invalid(path, $"Invalid '{path}': this server does not fetch remote images (start it with --allow-remote-media); send the image as a data: URI.", "remote_media_disabled");
    }

    public static async Task FetchAllAsync(IList<ChatMessage> messages, HttpClient http, MediaLimits limits, CancellationToken cancellationToken)
    {
        foreach (ChatMessage message in messages)
        {
            for (int i = 0; i < message.Contents.Count; i++)
            {
                if (message.Contents[i] is UriContent remote)
                {
                    message.Contents[i] = await FetchAsync(remote.Uri, http, limits, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    private static async Task<DataContent> FetchAsync(Uri uri, HttpClient http, MediaLimits limits, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limits.RemoteTimeout);
        try
        {
            using HttpResponseMessage response = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            string? type = response.Content.Headers.ContentType?.MediaType;
            if (!response.IsSuccessStatusCode || type is null || !type.StartsWith("image/", StringComparison.OrdinalIgnoreCase))
            {
                throw Failed(uri, $"it answered {(int)response.StatusCode} with content type '{type}', not an image");
            }

            if (response.Content.Headers.ContentLength > limits.MaxBytes)
            {
                throw Failed(uri, $"the image is larger than {limits.MaxBytes} bytes");
            }

            using Stream body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            using var copy = new MemoryStream();
            byte[] buffer = new byte[81920];
            int read;
            while ((read = await body.ReadAsync(buffer, timeout.Token).ConfigureAwait(false)) > 0)
            {
                copy.Write(buffer, 0, read);
                if (copy.Length > limits.MaxBytes)
                {
                    throw Failed(uri, $"the image is larger than {limits.MaxBytes} bytes");
                }
            }

            return new DataContent(copy.ToArray(), type);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Failed(uri, $"it did not answer within {limits.RemoteTimeout.TotalSeconds:F0} s");
        }
        catch (HttpRequestException e)
        {
            throw Failed(uri, e.Message);
        }
    }

    private static ApiError Failed(Uri uri, string why) => new(400, $"Could not fetch the image {uri}: {why}.", "messages", "invalid_image_url");
}
