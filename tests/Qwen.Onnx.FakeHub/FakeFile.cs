using System.Security.Cryptography;
using System.Text;

namespace Qwen.Onnx.FakeHub;

/// <summary>One file of a fake repository, with the ids the real Hub gives it (git blob id; sha256 for LFS files).</summary>
/// <param name="Path">Its path in the repository.</param>
/// <param name="Size">Its size.</param>
/// <param name="Content">The bytes, for files held in memory.</param>
/// <param name="DiskPath">The file on disk, for large files (sent with sendfile).</param>
/// <param name="IsLfs">Whether the Hub stores it in LFS (graphs, their data, files of 10 MB or more), so downloads redirect to the CDN.</param>
/// <param name="Sha256">The content's sha256.</param>
/// <param name="GitOid">The git blob id: of the content for regular files, of the LFS pointer for LFS files.</param>
public sealed record FakeFile(string Path, long Size, byte[]? Content, string? DiskPath, bool IsLfs, string Sha256, string GitOid)
{
    public static FakeFile FromBytes(string path, byte[] content) => Create(path, content.LongLength, content, null, SHA256.HashData(content), GitSha1(content));

    public static FakeFile FromDisk(string path, string diskPath)
    {
        using FileStream stream = File.OpenRead(diskPath);
        byte[] sha = SHA256.HashData(stream);
        long size = stream.Length;
        return Create(path, size, null, diskPath, sha, IsLfsPath(path, size) ? "" : GitSha1(File.ReadAllBytes(diskPath)));
    }

    /// <summary>A file that is listed with a size but has no content (for checks that must fail before any download).</summary>
    public static FakeFile Phantom(string path, long size) => new(path, size, [], null, true, new string('0', 64), new string('0', 40));

    private static FakeFile Create(string path, long size, byte[]? content, string? diskPath, byte[] sha256, string gitOid)
    {
        string sha = Convert.ToHexStringLower(sha256);
        bool lfs = IsLfsPath(path, size);
        string oid = lfs ? GitSha1(Encoding.ASCII.GetBytes($"version https://git-lfs.github.com/spec/v1\noid sha256:{sha}\nsize {size}\n")) : gitOid;
        return new FakeFile(path, size, content, diskPath, lfs, sha, oid);
    }

    private static bool IsLfsPath(string path, long size) =>
        size >= 10 << 20 || path.EndsWith(".onnx", StringComparison.Ordinal) || path.Contains(".onnx_data", StringComparison.Ordinal) || path.EndsWith(".data", StringComparison.Ordinal);

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350", Justification = "Git's object id is sha1.")]
    private static string GitSha1(byte[] content)
    {
        byte[] header = Encoding.ASCII.GetBytes($"blob {content.Length}\0");
        return Convert.ToHexStringLower(SHA1.HashData([.. header, .. content]));
    }
}
