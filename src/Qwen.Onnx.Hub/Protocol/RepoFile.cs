namespace Qwen.Onnx.Hub.Protocol;

/// <summary>One file of a revision as the Hub lists it (<c>siblings[]</c> of the revision API with <c>blobs=true</c>).</summary>
/// <param name="Path">The path in the repository, with '/'.</param>
/// <param name="Size">The file's size (the LFS object's for LFS files).</param>
/// <param name="GitOid">The git blob id: sha1 of "blob {size}\0" and the content for regular files.</param>
/// <param name="Sha256">The LFS object's sha256, or <see langword="null"/> for regular git files.</param>
internal sealed record RepoFile(string Path, long Size, string GitOid, string? Sha256)
{
    /// <summary>The blob's name in the cache, as huggingface_hub names it (the ETag: sha256 for LFS, else the git oid).</summary>
    public string BlobName => Sha256 ?? GitOid;
}

/// <summary>A revision's commit and files.</summary>
internal sealed record RepoRevision(string Commit, IReadOnlyList<RepoFile> Files);
