using System.Security.Cryptography;
using System.Text;
using Qwen.Onnx.Hub.Protocol;

namespace Qwen.Onnx.Hub.Download;

/// <summary>
/// The hash a file is checked against, computed over the bytes as they are written: sha256 for LFS files (the Hub's
/// <c>lfs.sha256</c>), and for regular git files the git blob id (sha1 of <c>"blob {size}\0"</c> and the content),
/// so every file is verified, not only LFS ones.
/// </summary>
internal sealed class FileDigest : IDisposable
{
    private readonly IncrementalHash _hash;

    private FileDigest(IncrementalHash hash, string expected, string name)
    {
        _hash = hash;
        Expected = expected.ToLowerInvariant();
        Name = name;
    }

    public string Expected { get; }

    public string Name { get; }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms", Justification = "Git's object id is sha1; it checks integrity, not authenticity (LFS files use sha256).")]
    public static FileDigest For(RepoFile file)
    {
        if (file.Sha256 is string sha256)
        {
            return new FileDigest(IncrementalHash.CreateHash(HashAlgorithmName.SHA256), sha256, "sha256");
        }

        var digest = new FileDigest(IncrementalHash.CreateHash(HashAlgorithmName.SHA1), file.GitOid, "git blob id");
        digest.Append(Encoding.ASCII.GetBytes($"blob {file.Size}\0"));
        return digest;
    }

    public void Append(ReadOnlySpan<byte> data) => _hash.AppendData(data);

    public string Finish() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    public void Dispose() => _hash.Dispose();
}
