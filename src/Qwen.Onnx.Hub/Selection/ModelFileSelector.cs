using Microsoft.Extensions.FileSystemGlobbing;
using Qwen.Onnx.Models;

namespace Qwen.Onnx.Hub.Selection;

/// <summary>The files of a repository one model needs, and the folder to load.</summary>
/// <param name="ModelFolder">The folder in the repository that holds the export ("" for its root).</param>
/// <param name="Paths">The repository paths to fetch.</param>
internal sealed record ModelFiles(string ModelFolder, IReadOnlyList<string> Paths);

/// <summary>
/// Chooses what the SDK loads from a repository's file list: for onnx-community exports the root JSON configs,
/// tokenizer and chat-template files and, per graph the engine opens (<see cref="OnnxGraphFiles.GraphsToLoad"/>), the
/// variant <see cref="OnnxGraphFiles.Choose"/> picks with its external data; for GenAI exports the folder holding
/// <c>genai_config.json</c> (the graphs it names, their data and the tokenizer all live there).
/// </summary>
internal static class ModelFileSelector
{
    private const string GenAiConfig = "genai_config.json";

    public static ModelFiles Select(string repoId, IReadOnlyCollection<string> paths, HubPullOptions options)
    {
        ModelFiles model = SelectModel(repoId, paths, options);
        if (options.Include.Count == 0)
        {
            return model;
        }

        var matcher = new Matcher(StringComparison.Ordinal);
        matcher.AddIncludePatterns(options.Include);
        IEnumerable<string> included = matcher.Match("/", paths.Select(p => "/" + p)).Files.Select(f => f.Path);
        return model with { Paths = [.. model.Paths.Union(included, StringComparer.Ordinal)] };
    }

    private static ModelFiles SelectModel(string repoId, IReadOnlyCollection<string> paths, HubPullOptions options)
    {
        string[] genAiFolders = [.. paths.Where(p => Path.GetFileName(p) == GenAiConfig).Select(FolderOf).Order(StringComparer.Ordinal)];
        if (options.Subfolder is string given)
        {
            string folder = given.Trim('/');
            if (genAiFolders.Contains(folder))
            {
                return GenAi(paths, folder);
            }

            if (IsOnnxCommunity(paths, folder))
            {
                return OnnxCommunity(repoId, paths, folder, options.Variant);
            }

            throw new HubModelSelectionException(repoId, $"the folder '{folder}' holds no Qwen ONNX export (no {GenAiConfig}, no config.json with onnx/). Its exports are in: {Describe(genAiFolders)}.", genAiFolders);
        }

        if (IsOnnxCommunity(paths, ""))
        {
            return OnnxCommunity(repoId, paths, "", options.Variant);
        }

        return genAiFolders.Length switch
        {
            1 => GenAi(paths, genAiFolders[0]),
            0 => throw new HubModelSelectionException(repoId, $"the repository holds no Qwen ONNX export: no {GenAiConfig} and no config.json with an onnx/ folder. Use an onnx-community or ONNX Runtime GenAI export of the model.", []),
            _ => throw new HubModelSelectionException(repoId, $"the repository holds several GenAI exports; choose one with --subfolder (HubPullOptions.Subfolder): {Describe(genAiFolders)}.", genAiFolders),
        };
    }

    private static ModelFiles GenAi(IReadOnlyCollection<string> paths, string folder) =>
        new(folder, [.. paths.Where(p => FolderOf(p) == folder)]);

    private static bool IsOnnxCommunity(IReadOnlyCollection<string> paths, string folder) =>
        paths.Contains(Join(folder, "config.json")) && paths.Any(p => FolderOf(p) == Join(folder, "onnx") && p.EndsWith(".onnx", StringComparison.Ordinal));

    private static ModelFiles OnnxCommunity(string repoId, IReadOnlyCollection<string> paths, string folder, OnnxGraphVariant variant)
    {
        string onnxFolder = Join(folder, "onnx");
        string[] onnxNames = [.. paths.Where(p => FolderOf(p) == onnxFolder).Select(Path.GetFileName).OfType<string>()];
        var selected = new List<string>(paths.Where(p => FolderOf(p) == folder && IsConfigFile(Path.GetFileName(p))));
        foreach (string graph in OnnxGraphFiles.GraphsToLoad(onnxNames))
        {
            OnnxGraphChoice choice = OnnxGraphFiles.Choose(graph, variant, relative => paths.Contains(Join(folder, relative)));
            if (choice.RelativePath is not string graphFile)
            {
                string[] present = [.. choice.Present.Select(v => v.ToString().ToLowerInvariant())];
                throw new HubModelSelectionException(repoId, present.Length == 0
                    ? $"the export has no {onnxFolder}/{graph}*.onnx, which the model needs."
                    : $"the export has no {variant.ToString().ToLowerInvariant()} variant of {graph}; it has {string.Join(", ", present)}. Choose one of those with --variant (HubPullOptions.Variant).", present);
            }

            // External data sits beside the graph as {graph}{suffix}.onnx_data, .onnx_data_1, ... (or GenAI's .onnx.data).
            string stem = Path.GetFileName(graphFile);
            selected.Add(Join(folder, graphFile));
            selected.AddRange(onnxNames.Where(n => n.StartsWith(stem + "_data", StringComparison.Ordinal) || n.StartsWith(stem + ".data", StringComparison.Ordinal)).Select(n => $"{onnxFolder}/{n}"));
        }

        return new ModelFiles(folder, selected);
    }

    private static bool IsConfigFile(string? name) =>
        name is not null && (name.EndsWith(".json", StringComparison.Ordinal) || name.EndsWith(".jinja", StringComparison.Ordinal) || name == "merges.txt");

    private static string FolderOf(string path) => path.LastIndexOf('/') is int slash and >= 0 ? path[..slash] : "";

    private static string Join(string folder, string relative) => folder.Length == 0 ? relative : $"{folder}/{relative}";

    private static string Describe(string[] folders) => folders.Length == 0 ? "(none)" : string.Join(", ", folders.Select(f => f.Length == 0 ? "(root)" : f));
}
