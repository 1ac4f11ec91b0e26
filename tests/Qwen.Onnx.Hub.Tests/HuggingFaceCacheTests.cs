using System.Security.Cryptography;
using System.Text;

namespace Qwen.Onnx.Hub.Tests;

/// <summary>A cache tree laid out as Python's huggingface_hub lays it out is used offline, without a Hub.</summary>
public class HuggingFaceCacheTests : HubTestBase
{
    private const string Commit = "5f1f9a8f3c2b7d6e4a0b1c2d3e4f5a6b7c8d9e0f";

    [Test]
    public async Task AModelDownloadedByHuggingFaceHubLoadsOfflineAndGenerates()
    {
        WriteHuggingFaceHubCache(TextRepo, TextFolder);
        var request = QwenChatRequest.FromPrompt("Hello", options: new GenerationOptions { MaxNewTokens = 6, Greedy = true });

        await using QwenModel cached = await QwenModel.LoadAsync(TextRepo, null, new HubPullOptions { CacheDirectory = Cache, Offline = true });
        await using QwenModel source = await QwenModel.LoadAsync(TextFolder);

        Assert.Multiple(async () =>
        {
            Assert.That(cached.Folder.Path, Is.EqualTo(Path.Combine(RepoFolder(TextRepo), "snapshots", Commit)));
            Assert.That((await cached.GenerateAsync(request)).TokenIds, Is.EqualTo((await source.GenerateAsync(request)).TokenIds));
            Assert.That(Hub.Requests, Is.Empty);
        });
    }

    /// <summary>
    /// What huggingface_hub writes: blobs named by sha256 (LFS files) or git blob id (others), relative symbolic links
    /// under snapshots/{commit}, and refs/main holding the commit. Hashes are computed here, not by the code under test.
    /// </summary>
    private void WriteHuggingFaceHubCache(string repoId, string folder)
    {
        string repo = RepoFolder(repoId);
        Directory.CreateDirectory(Path.Combine(repo, "blobs"));
        Directory.CreateDirectory(Path.Combine(repo, "refs"));
        File.WriteAllText(Path.Combine(repo, "refs", "main"), Commit);
        foreach (string file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(folder, file).Replace('\\', '/');
            byte[] content = File.ReadAllBytes(file);
            string blob = relative.EndsWith(".onnx", StringComparison.Ordinal) ? Convert.ToHexStringLower(SHA256.HashData(content)) : GitBlobId(content);
            File.WriteAllBytes(Path.Combine(repo, "blobs", blob), content);
            string link = Path.Combine(repo, "snapshots", Commit, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(link)!);
            string up = string.Concat(Enumerable.Repeat("../", relative.Count(c => c == '/') + 2));
            File.CreateSymbolicLink(link, up + "blobs/" + blob);
        }
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350", Justification = "Git's object id is sha1.")]
    private static string GitBlobId(byte[] content) =>
        Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {content.Length}\0"), .. content]));
}
