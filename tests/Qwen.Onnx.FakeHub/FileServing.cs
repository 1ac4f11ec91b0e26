using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Qwen.Onnx.FakeHub;

/// <summary>Sends a file as the Hub and its CDN do (Range with 206 and Content-Range, 416 past the end), faults included.</summary>
internal static class FileServing
{
    private const int SlowChunk = 64 << 10;

    public static async Task ServeAsync(HttpContext context, FakeFile file, HubFaults faults)
    {
        HttpResponse response = context.Response;
        if (faults.TakeServerError())
        {
            response.StatusCode = 500;
            return;
        }

        if (faults.TakeTooManyRequests())
        {
            response.StatusCode = 429;
            response.Headers.RetryAfter = faults.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            return;
        }

        long from = faults.IgnoreRange ? 0 : RangeStart(context.Request.Headers.Range.FirstOrDefault());
        if (from >= file.Size && from > 0)
        {
            response.StatusCode = 416;
            response.Headers.ContentRange = $"bytes */{file.Size}";
            return;
        }

        response.StatusCode = from > 0 ? 206 : 200;
        response.Headers.AcceptRanges = "bytes";
        response.ContentType = "application/octet-stream";
        response.ContentLength = file.Size - from;
        if (from > 0)
        {
            response.Headers.ContentRange = $"bytes {from}-{file.Size - 1}/{file.Size}";
        }

        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        long? cut = faults.TakeCut(file.Path);
        bool corrupt = faults.CorruptPath == file.Path;
        if (file.DiskPath is string disk && cut is null && !corrupt && faults.SlowPath != file.Path)
        {
            await response.SendFileAsync(disk, from, file.Size - from, context.RequestAborted);
            return;
        }

        byte[] content = file.Content ?? await File.ReadAllBytesAsync(file.DiskPath!, context.RequestAborted);
        if (corrupt)
        {
            content = [.. content];
            content[content.Length / 2] ^= 0xFF;
        }

        long end = cut is long at ? Math.Max(at, from) : file.Size;
        int chunk = faults.SlowPath == file.Path ? SlowChunk : int.MaxValue;
        for (long position = from; position < end;)
        {
            int count = (int)Math.Min(chunk, end - position);
            await response.Body.WriteAsync(content.AsMemory((int)position, count), context.RequestAborted);
            position += count;
            if (chunk == SlowChunk)
            {
                await response.Body.FlushAsync(context.RequestAborted);
                if (position >= file.Size / 2)
                {
                    faults.SlowPathHalfSent.TrySetResult();
                }

                await Task.Delay(20, context.RequestAborted);
            }
        }

        if (cut is not null)
        {
            await response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(300, context.RequestAborted); // let the bytes before the cut reach the client
            context.Abort(); // then the connection drops
        }
    }

    private static long RangeStart(string? range) =>
        range is not null && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-')
            ? long.Parse(range.AsSpan(6, range.Length - 7), CultureInfo.InvariantCulture)
            : 0;
}
