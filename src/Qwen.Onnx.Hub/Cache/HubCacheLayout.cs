namespace Qwen.Onnx.Hub.Cache;

/// <summary>
/// huggingface_hub's cache layout for one model repository:
/// <c>models--{org}--{name}/blobs/{sha256 or git oid}</c>, <c>snapshots/{commit}/{path}</c> (relative symbolic links to
/// the blobs, copies where links cannot be made), <c>refs/{revision}</c> (the commit), and lock files under
/// <c>.locks/models--{org}--{name}/</c>. Files written here are found by Python and the other way round.
/// </summary>
internal sealed class HubCacheLayout
{
    public HubCacheLayout(string cacheDirectory, string repoId)
    {
        CacheDirectory = cacheDirectory;
        string folderName = FolderName(repoId);
        RepoFolder = Path.Combine(cacheDirectory, folderName);
        LockFolder = Path.Combine(cacheDirectory, ".locks", folderName);
    }

    public string CacheDirectory { get; }

    public string RepoFolder { get; }

    public string LockFolder { get; }

    public static string FolderName(string repoId) => "models--" + repoId.Replace("/", "--", StringComparison.Ordinal);

    public string Blob(string blobName) => Path.Combine(RepoFolder, "blobs", blobName);

    public string Lock(string blobName) => Path.Combine(LockFolder, blobName + ".lock");

    public string Snapshot(string commit) => Path.Combine(RepoFolder, "snapshots", commit);

    public string SnapshotFile(string commit, string repoPath) => Path.Combine(Snapshot(commit), ToLocal(repoPath));

    /// <summary>The commit a revision points at: the ref file's content, or the revision itself when it is a cached commit.</summary>
    public string? ReadRef(HubRepoReference reference)
    {
        string refFile = Path.Combine(RepoFolder, "refs", ToLocal(reference.Revision));
        if (File.Exists(refFile))
        {
            return File.ReadAllText(refFile).Trim();
        }

        return reference.IsCommit && Directory.Exists(Snapshot(reference.Revision)) ? reference.Revision : null;
    }

    /// <summary>Records the commit of a branch or tag (huggingface_hub writes no ref for a revision that is a commit).</summary>
    public void WriteRef(HubRepoReference reference, string commit)
    {
        if (reference.Revision == commit)
        {
            return;
        }

        string refFile = Path.Combine(RepoFolder, "refs", ToLocal(reference.Revision));
        Directory.CreateDirectory(Path.GetDirectoryName(refFile)!);
        string temporary = refFile + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllText(temporary, commit);
        File.Move(temporary, refFile, overwrite: true);
    }

    /// <summary>Puts a blob into a snapshot: a relative symbolic link like huggingface_hub's, or a copy where links fail.</summary>
    public void Link(string commit, string repoPath, string blobName)
    {
        string link = SnapshotFile(commit, repoPath);
        if (File.Exists(link))
        {
            return;
        }

        if (new FileInfo(link).LinkTarget is not null)
        {
            File.Delete(link); // a dangling link from an interrupted or pruned cache
        }

        string folder = Path.GetDirectoryName(link)!;
        Directory.CreateDirectory(folder);
        string blob = Blob(blobName);
        try
        {
            File.CreateSymbolicLink(link, Path.GetRelativePath(folder, blob));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            // Windows without developer mode refuses links; huggingface_hub copies then too.
            if (!File.Exists(link))
            {
                File.Copy(blob, link);
            }
        }
    }

    /// <summary>The repository paths (with '/') of every file in a snapshot.</summary>
    public IReadOnlyList<string> SnapshotFiles(string commit)
    {
        string root = Snapshot(commit);
        return Directory.Exists(root)
            ? [.. Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Where(File.Exists).Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))]
            : [];
    }

    private static string ToLocal(string repoPath) => repoPath.Replace('/', Path.DirectorySeparatorChar);
}
