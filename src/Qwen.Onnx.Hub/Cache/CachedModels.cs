using Qwen.Onnx.Models;

namespace Qwen.Onnx.Hub.Cache;

/// <summary>Lists and removes the model repositories of a cache folder.</summary>
internal static class CachedModels
{
    private const string Prefix = "models--";

    public static IReadOnlyList<HubCachedModel> List(string cacheDirectory)
    {
        if (!Directory.Exists(cacheDirectory))
        {
            return [];
        }

        return [.. Directory.EnumerateDirectories(cacheDirectory, Prefix + "*")
            .Select(Describe)
            .OrderBy(m => m.RepoId, StringComparer.OrdinalIgnoreCase)];
    }

    public static bool Remove(string cacheDirectory, string repoId)
    {
        var layout = new HubCacheLayout(cacheDirectory, repoId);
        bool existed = Directory.Exists(layout.RepoFolder);
        if (existed)
        {
            Directory.Delete(layout.RepoFolder, recursive: true);
        }

        if (Directory.Exists(layout.LockFolder))
        {
            Directory.Delete(layout.LockFolder, recursive: true);
        }

        return existed;
    }

    private static HubCachedModel Describe(string folder)
    {
        string repoId = ReplaceFirst(Path.GetFileName(folder)[Prefix.Length..], "--", "/");
        string blobs = Path.Combine(folder, "blobs");
        long size = Directory.Exists(blobs)
            ? Directory.EnumerateFiles(blobs).Where(f => !f.EndsWith(".incomplete", StringComparison.Ordinal)).Sum(f => new FileInfo(f).Length)
            : 0;
        string refsFolder = Path.Combine(folder, "refs");
        Dictionary<string, string> refs = Directory.Exists(refsFolder)
            ? Directory.EnumerateFiles(refsFolder, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(refsFolder, f).Replace('\\', '/'), f => File.ReadAllText(f).Trim(), StringComparer.Ordinal)
            : [];
        return new HubCachedModel(repoId, folder, size, refs, Variants(Path.Combine(folder, "snapshots")));
    }

    private static string[] Variants(string snapshots)
    {
        if (!Directory.Exists(snapshots))
        {
            return [];
        }

        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string file in Directory.EnumerateFiles(snapshots, "*", SearchOption.AllDirectories))
        {
            string name = Path.GetFileName(file);
            string parent = Path.GetFileName(Path.GetDirectoryName(file)!);
            if (name == "genai_config.json")
            {
                string commitFolder = Path.GetRelativePath(snapshots, Path.GetDirectoryName(file)!).Replace('\\', '/');
                int slash = commitFolder.IndexOf('/', StringComparison.Ordinal);
                found.Add(slash < 0 ? "genai" : "genai:" + commitFolder[(slash + 1)..]);
            }
            else if (parent == "onnx" && name.EndsWith(".onnx", StringComparison.Ordinal))
            {
                found.Add(VariantOf(name[..^".onnx".Length]).ToString().ToLowerInvariant());
            }
        }

        return [.. found];
    }

    private static OnnxGraphVariant VariantOf(string stem) =>
        OnnxGraphFiles.AutoOrder.FirstOrDefault(v => v != OnnxGraphVariant.Fp32 && stem.EndsWith(OnnxGraphFiles.Suffix(v), StringComparison.Ordinal), OnnxGraphVariant.Fp32);

    private static string ReplaceFirst(string text, string find, string replacement)
    {
        int at = text.IndexOf(find, StringComparison.Ordinal);
        return at < 0 ? text : text[..at] + replacement + text[(at + find.Length)..];
    }
}
