namespace Qwen.Onnx.Hub;

/// <summary>A model in the local cache, ready to load: the result of a pull or of a cache lookup.</summary>
/// <param name="RepoId">The repository, <c>org/name</c>.</param>
/// <param name="Revision">The revision asked for.</param>
/// <param name="Commit">The commit the revision resolved to.</param>
/// <param name="Path">The model folder to load: the snapshot, or its subfolder holding a GenAI export.</param>
/// <param name="SnapshotFolder">The snapshot's root (<c>snapshots/{commit}</c>), where <see cref="Files"/>' paths start.</param>
/// <param name="Files">The model's files, with their repository paths.</param>
/// <param name="DownloadedBytes">Bytes fetched from the network by this call (0 when all came from the cache).</param>
public sealed record HubSnapshot(string RepoId, string Revision, string Commit, string Path, string SnapshotFolder, IReadOnlyList<HubSnapshotFile> Files, long DownloadedBytes);

/// <summary>One file of a snapshot.</summary>
/// <param name="Path">Its path in the repository (with '/').</param>
/// <param name="Bytes">Its size.</param>
/// <param name="Sha256">Its sha256 (hex) for LFS files, which is also its blob name; <see langword="null"/> for small git files.</param>
public sealed record HubSnapshotFile(string Path, long Bytes, string? Sha256);
