using System.Security.Cryptography;
using System.Text;

namespace Qwen.Onnx.FakeHub;

/// <summary>A model repository of the fake Hub: one commit, its files, and the branches and tags that point at it.</summary>
public sealed class FakeRepo
{
    private readonly Dictionary<string, string> _revisions = new(StringComparer.Ordinal);

    public FakeRepo(string id, IEnumerable<FakeFile> files)
    {
        Id = id;
        Files = files.ToDictionary(f => f.Path, StringComparer.Ordinal);
        string digest = string.Join('\n', Files.Values.OrderBy(f => f.Path, StringComparer.Ordinal).Select(f => f.Path + " " + f.GitOid));
        Commit = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id + "\n" + digest)))[..40];
        _revisions["main"] = Commit;
    }

    public string Id { get; }

    public string Commit { get; }

    public IReadOnlyDictionary<string, FakeFile> Files { get; }

    /// <summary>Points a branch or tag at the commit.</summary>
    public FakeRepo WithRevision(string name)
    {
        _revisions[name] = Commit;
        return this;
    }

    /// <summary>The commit of a branch, tag or commit hash, or null when the repository has no such revision.</summary>
    public string? Resolve(string revision) => revision == Commit ? Commit : _revisions.GetValueOrDefault(revision);

    /// <summary>Every file of a folder on disk, with '/' paths relative to it.</summary>
    public static FakeRepo FromFolder(string id, string folder, string prefix = "") =>
        new(id, Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Select(f => FakeFile.FromDisk(prefix + Path.GetRelativePath(folder, f).Replace('\\', '/'), f)));
}
