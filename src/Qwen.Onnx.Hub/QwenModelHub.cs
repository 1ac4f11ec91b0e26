using Qwen.Onnx.Hub.Cache;
using Qwen.Onnx.Hub.Download;
using Qwen.Onnx.Hub.Protocol;
using Qwen.Onnx.Hub.Selection;

namespace Qwen.Onnx.Hub;

/// <summary>
/// Gets Qwen ONNX models from the Hugging Face Hub into the huggingface_hub cache (shared with Python): only the files
/// the SDK loads for the chosen variant, several at once, resumable and verified.
/// </summary>
public static class QwenModelHub
{
    /// <summary>
    /// Downloads a model (what is already cached is kept), and returns its snapshot. Asks the Hub which commit the
    /// revision is at; offline (<c>HF_HUB_OFFLINE=1</c>) it returns the cached snapshot instead.
    /// </summary>
    /// <param name="repoId"><c>org/name</c> or <c>org/name@revision</c>.</param>
    /// <param name="options">Variant, subfolder, extra files, cache, token, endpoint; <see langword="null"/> for the environment's defaults.</param>
    /// <param name="progress">Receives byte and file counts a few times a second.</param>
    /// <param name="cancellationToken">Stops the pull; partial files stay and the next pull resumes them.</param>
    /// <exception cref="ArgumentException"><paramref name="repoId"/> is not a repository id.</exception>
    /// <exception cref="HubException">The pull failed; the subtype says why (not found, access, corrupt file, disk full, offline, selection).</exception>
    public static async Task<HubSnapshot> PullAsync(string repoId, HubPullOptions? options = null, IProgress<HubDownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        HubRepoReference reference = HubRepoReference.Parse(repoId);
        HubSettings settings = HubSettings.From(options);
        var layout = new HubCacheLayout(settings.CacheDirectory, reference.RepoId);
        if (settings.Offline)
        {
            return FromCache(reference, settings, layout, out string? reason) ?? throw new HubOfflineException(reference.RepoId, settings.CacheDirectory, reason);
        }

        var api = new HubApiClient(settings, reference.RepoId);
        RepoRevision revision = await api.GetRevisionAsync(reference, cancellationToken).ConfigureAwait(false);
        ModelFiles model = ModelFileSelector.Select(reference.RepoId, revision.Files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal), settings.Options);
        var wanted = model.Paths.ToHashSet(StringComparer.Ordinal);
        RepoFile[] files = [.. revision.Files.Where(f => wanted.Contains(f.Path))];
        RepoFile[] missing = [.. files.Where(f => !BlobDownloader.IsCached(layout, f)).DistinctBy(f => f.BlobName).OrderByDescending(f => f.Size)];
        EnsureDiskSpace(reference.RepoId, layout, missing);

        var tracker = new ProgressTracker(progress, missing.Sum(f => f.Size), missing.Length);
        var downloader = new BlobDownloader(api, layout, settings, reference.RepoId, revision.Commit, tracker);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, settings.Options.MaxParallelDownloads), CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(missing, parallel, async (file, token) =>
        {
            await downloader.DownloadAsync(file, token).ConfigureAwait(false);
            tracker.FileDone(file.Path);
        }).ConfigureAwait(false);

        // Links go in only once every blob is verified, so a failed pull leaves no half model under snapshots/.
        foreach (RepoFile file in files)
        {
            layout.Link(revision.Commit, file.Path, file.BlobName);
        }

        layout.WriteRef(reference, revision.Commit);
        return Snapshot(reference, layout, revision.Commit, model, [.. files.Select(f => new HubSnapshotFile(f.Path, f.Size, f.Sha256))], tracker.Bytes);
    }

    /// <summary>
    /// Returns the cached snapshot of a model without any network call when the cache holds what loading needs
    /// (downloaded by Qwen.Onnx or by huggingface_hub); otherwise pulls it, unless offline.
    /// </summary>
    /// <param name="repoId"><c>org/name</c> or <c>org/name@revision</c>.</param>
    /// <param name="options">As for <see cref="PullAsync"/>.</param>
    /// <param name="progress">Receives progress when a download is needed.</param>
    /// <param name="cancellationToken">Stops a download; partial files stay and resume later.</param>
    /// <exception cref="ArgumentException"><paramref name="repoId"/> is not a repository id.</exception>
    /// <exception cref="HubOfflineException">Offline and not (completely) cached.</exception>
    /// <exception cref="HubException">A needed download failed.</exception>
    public static async Task<HubSnapshot> ResolveAsync(string repoId, HubPullOptions? options = null, IProgress<HubDownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        HubRepoReference reference = HubRepoReference.Parse(repoId);
        HubSettings settings = HubSettings.From(options);
        var layout = new HubCacheLayout(settings.CacheDirectory, reference.RepoId);
        if (FromCache(reference, settings, layout, out string? reason) is HubSnapshot cached)
        {
            return cached;
        }

        return settings.Offline
            ? throw new HubOfflineException(reference.RepoId, settings.CacheDirectory, reason)
            : await PullAsync(repoId, options, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The model repositories in a cache, with sizes and the variants they hold.</summary>
    /// <param name="cacheDirectory">The cache folder; <see langword="null"/> for HF_HUB_CACHE / HF_HOME's.</param>
    public static IReadOnlyList<HubCachedModel> ListCachedModels(string? cacheDirectory = null) =>
        CachedModels.List(HubSettings.ResolveCacheDirectory(cacheDirectory));

    /// <summary>Deletes a model repository from a cache (all its revisions and blobs).</summary>
    /// <param name="repoId"><c>org/name</c>.</param>
    /// <param name="cacheDirectory">The cache folder; <see langword="null"/> for HF_HUB_CACHE / HF_HOME's.</param>
    /// <returns>Whether the repository was in the cache.</returns>
    public static bool RemoveCachedModel(string repoId, string? cacheDirectory = null) =>
        CachedModels.Remove(HubSettings.ResolveCacheDirectory(cacheDirectory), HubRepoReference.Parse(repoId).RepoId);

    private static HubSnapshot? FromCache(HubRepoReference reference, HubSettings settings, HubCacheLayout layout, out string reason)
    {
        if (layout.ReadRef(reference) is not string commit)
        {
            reason = $"revision '{reference.Revision}' was never downloaded.";
            return null;
        }

        IReadOnlyList<string> paths = layout.SnapshotFiles(commit);
        ModelFiles model;
        try
        {
            model = ModelFileSelector.Select(reference.RepoId, paths.ToHashSet(StringComparer.Ordinal), settings.Options);
        }
        catch (HubModelSelectionException e)
        {
            reason = $"snapshot {commit} is incomplete: {e.Message}";
            return null;
        }

        reason = "";
        HubSnapshotFile[] files = [.. model.Paths.Select(p => CachedFile(layout, commit, p))];
        return Snapshot(reference, layout, commit, model, files, 0);
    }

    private static HubSnapshotFile CachedFile(HubCacheLayout layout, string commit, string path)
    {
        var info = new FileInfo(layout.SnapshotFile(commit, path));
        string blobName = Path.GetFileName(info.LinkTarget ?? "");
        bool isSha256 = blobName.Length == 64 && blobName.All(char.IsAsciiHexDigitLower);
        return new HubSnapshotFile(path, info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target ? target.Length : info.Length, isSha256 ? blobName : null);
    }

    private static HubSnapshot Snapshot(HubRepoReference reference, HubCacheLayout layout, string commit, ModelFiles model, IReadOnlyList<HubSnapshotFile> files, long downloaded)
    {
        string root = layout.Snapshot(commit);
        string path = model.ModelFolder.Length == 0 ? root : Path.Combine(root, model.ModelFolder.Replace('/', Path.DirectorySeparatorChar));
        return new HubSnapshot(reference.RepoId, reference.Revision, commit, path, root, files, downloaded);
    }

    private static void EnsureDiskSpace(string repoId, HubCacheLayout layout, RepoFile[] missing)
    {
        long needed = missing.Sum(f => f.Size - (new FileInfo(layout.Blob(f.BlobName) + ".incomplete") is { Exists: true } partial ? Math.Min(partial.Length, f.Size) : 0));
        Directory.CreateDirectory(layout.RepoFolder);
        long free = new DriveInfo(layout.RepoFolder).AvailableFreeSpace;
        if (needed > free)
        {
            throw new HubDiskFullException(repoId, layout.CacheDirectory, needed, free);
        }
    }
}
