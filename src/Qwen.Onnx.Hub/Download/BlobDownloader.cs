using System.Buffers;
using System.Net;
using System.Runtime.CompilerServices;
using Polly;
using Polly.Retry;
using Qwen.Onnx.Hub.Cache;
using Qwen.Onnx.Hub.Protocol;

namespace Qwen.Onnx.Hub.Download;

/// <summary>
/// Downloads one blob into the cache: into <c>{blob}.incomplete</c>, resuming with <c>Range</c> after a drop or a
/// restart (from zero when the server answers 200), hashed while written, checked for size and hash, then moved into
/// place in one step. Transient failures are retried by a Polly pipeline; each attempt resumes.
/// </summary>
internal sealed class BlobDownloader
{
    private const int BufferSize = 4 << 20;
    private readonly HubApiClient _api;
    private readonly HubCacheLayout _layout;
    private readonly HubSettings _settings;
    private readonly string _repoId;
    private readonly string _commit;
    private readonly ProgressTracker _progress;
    private readonly ResiliencePipeline _retry;

    public BlobDownloader(HubApiClient api, HubCacheLayout layout, HubSettings settings, string repoId, string commit, ProgressTracker progress)
    {
        (_api, _layout, _settings, _repoId, _commit, _progress) = (api, layout, settings, repoId, commit, progress);
        _retry = new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<TransientHubException>(),
            MaxRetryAttempts = Math.Max(1, settings.Options.MaxRetries),
            Delay = settings.Options.RetryDelay,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            DelayGenerator = args => ValueTask.FromResult(args.Outcome.Exception is TransientHubException { RetryAfter: TimeSpan wait } ? wait : (TimeSpan?)null),
        }).Build();
    }

    public static bool IsCached(HubCacheLayout layout, RepoFile file) =>
        new FileInfo(layout.Blob(file.BlobName)) is { Exists: true } blob && blob.Length == file.Size;

    public async Task DownloadAsync(RepoFile file, CancellationToken cancellationToken)
    {
        if (IsCached(_layout, file))
        {
            return;
        }

        using FileLock held = await FileLock.AcquireAsync(_layout.Lock(file.BlobName), cancellationToken).ConfigureAwait(false);
        if (IsCached(_layout, file))
        {
            return; // another process finished it while we waited for the lock
        }

        string blob = _layout.Blob(file.BlobName);
        Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
        string partial = blob + ".incomplete";
        var counted = new StrongBox<long>();
        try
        {
            if (_settings.Options.MaxRetries <= 0)
            {
                await AttemptAsync(file, partial, counted, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await _retry.ExecuteAsync(token => AttemptAsync(file, partial, counted, token), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (TransientHubException e)
        {
            throw new HubException(_repoId, $"'{file.Path}' could not be downloaded ({e.Message}). Run the pull again: it resumes where it stopped.", e);
        }

        File.Move(partial, blob, overwrite: true);
    }

    private async ValueTask AttemptAsync(RepoFile file, string partial, StrongBox<long> counted, CancellationToken cancellationToken)
    {
        long have = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        have = have > file.Size ? 0 : have;
        using HttpResponseMessage response = await _api.OpenFileAsync(_commit, file.Path, have, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && have != file.Size)
        {
            File.Delete(partial);
            throw new TransientHubException($"the server refused to resume '{file.Path}' at byte {have}; starting again");
        }

        bool resumes = have > 0 && (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable
            || (response.StatusCode == HttpStatusCode.PartialContent && response.Content.Headers.ContentRange?.From == have));
        have = resumes ? have : 0; // a 200 to a Range request: the server sends it all again
        using var digest = FileDigest.For(file);
        long received;
        var output = new FileStream(partial, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
        await using (output.ConfigureAwait(false))
        {
            await HashExistingAsync(output, have, digest, cancellationToken).ConfigureAwait(false);
            output.SetLength(have);
            Count(file, counted, have);
            received = response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable
                ? have
                : await CopyAsync(response, output, digest, file, counted, cancellationToken).ConfigureAwait(false);
        }

        if (received < file.Size)
        {
            throw new TransientHubException($"the connection closed at byte {received:N0} of {file.Size:N0} of '{file.Path}'");
        }

        string actual = digest.Finish();
        if (received != file.Size || actual != digest.Expected)
        {
            File.Delete(partial);
            Count(file, counted, 0);
            throw received != file.Size
                ? new HubFileCorruptException(_repoId, file.Path, $"{file.Size:N0} bytes", $"{received:N0}")
                : new HubFileCorruptException(_repoId, file.Path, $"{digest.Name} {digest.Expected}", actual);
        }
    }

    /// <summary>
    /// Streams the body to the file in 4 MB chunks, each hashed and then written while it is in memory (no second
    /// read). Measured against overlapping the write with the next read: no faster here, so the simpler loop stays.
    /// </summary>
    private async Task<long> CopyAsync(HttpResponseMessage response, FileStream output, FileDigest digest, RepoFile file, StrongBox<long> counted, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long position = output.Length;
        try
        {
            Stream body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                while (position <= file.Size)
                {
                    (int read, Exception? failure) = await FillAsync(body, buffer, stall, file, cancellationToken).ConfigureAwait(false);
                    digest.Append(buffer.AsSpan(0, read));
                    output.Write(buffer, 0, read);
                    position += read;
                    Count(file, counted, position);
                    if (failure is not null)
                    {
                        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
                    }

                    if (read < BufferSize)
                    {
                        break; // the body ended
                    }
                }
            }

            return position;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Fills the buffer from the body (sockets hand over 16-64 KB at a time; whole chunks keep writes and hash calls
    /// few). A failure comes back beside the bytes that did arrive, so they are written before it is thrown and a
    /// retry, or the next pull after Ctrl+C, resumes after them: a drop or a stall longer than the stall timeout as a
    /// retryable failure, cancellation as it is.
    /// </summary>
    private async ValueTask<(int Filled, Exception? Failure)> FillAsync(Stream body, byte[] buffer, CancellationTokenSource stall, RepoFile file, CancellationToken cancellationToken)
    {
        int filled = 0;
        try
        {
            while (filled < BufferSize)
            {
                stall.CancelAfter(_settings.Options.StallTimeout);
                int read = await body.ReadAsync(buffer.AsMemory(filled, BufferSize - filled), stall.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                filled += read;
            }

            return (filled, null);
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            return (filled, e);
        }
        catch (OperationCanceledException e)
        {
            return (filled, new TransientHubException($"'{file.Path}' received nothing for {_settings.Options.StallTimeout.TotalSeconds:0} s", inner: e));
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            return (filled, cancellationToken.IsCancellationRequested
                ? new OperationCanceledException(cancellationToken)
                : new TransientHubException($"the connection dropped during '{file.Path}': {e.Message}", inner: e));
        }
    }

    /// <summary>A resumed download hashes the bytes it already has once, then goes on hashing what arrives.</summary>
    private static async Task HashExistingAsync(FileStream file, long length, FileDigest digest, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            file.Position = 0;
            for (long left = length; left > 0;)
            {
                int read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new IOException($"{file.Name} shrank while it was read.");
                }

                digest.Append(buffer.AsSpan(0, read));
                left -= read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Keeps the shared byte count equal to what this file has on disk, across attempts.</summary>
    private void Count(RepoFile file, StrongBox<long> counted, long onDisk)
    {
        _progress.AddBytes(onDisk - counted.Value, file.Path);
        counted.Value = onDisk;
    }
}
