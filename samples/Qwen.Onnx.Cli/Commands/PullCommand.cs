using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using Qwen.Onnx.Hub;

namespace Qwen.Onnx.Cli.Commands;

/// <summary><c>qwen-onnx pull REPO[@REV]</c>: downloads what the SDK loads into the huggingface_hub cache.</summary>
internal static class PullCommand
{
    public static Command Create()
    {
        var repo = new Argument<string>("repo") { Description = "The Hub repository, org/name or org/name@revision." };
        Option<string?> variant = VariantOption();
        var subfolder = new Option<string?>("--subfolder") { Description = "The folder of the export, when the repository holds several (GenAI: one per device)." };
        var include = new Option<string[]>("--include") { Description = "Also download files matching this glob (repeatable).", AllowMultipleArgumentsPerToken = false };
        var token = new Option<string?>("--token") { Description = "Access token for gated or private repositories (default HF_TOKEN)." };
        var command = new Command("pull", "Download a model from the Hugging Face Hub into the huggingface_hub cache.") { repo, variant, subfolder, include, CacheDir, token, CliOptions.Json };
        command.SetAction(async (result, ct) =>
        {
            var options = new HubPullOptions
            {
                Variant = ParseVariant(result.GetValue(variant)),
                Subfolder = result.GetValue(subfolder),
                Include = result.GetValue(include) ?? [],
                CacheDirectory = result.GetValue(CacheDir)?.FullName,
                Token = result.GetValue(token),
            };
            var progress = new DownloadProgressView();
            HubSnapshot snapshot = await QwenModelHub.PullAsync(result.GetValue(repo)!, options, progress, ct);
            progress.Finish(snapshot.DownloadedBytes);
            Console.WriteLine(result.GetValue(CliOptions.Json) ? JsonSerializer.Serialize(Describe(snapshot), CliJson.Options) : snapshot.Path);
            return 0;
        });
        return command;
    }

    /// <summary>The cache folder option of pull and models list/rm.</summary>
    public static readonly Option<DirectoryInfo?> CacheDir = new("--cache-dir") { Description = "The Hub cache (default HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub)." };

    private static Option<string?> VariantOption()
    {
        var option = new Option<string?>("--variant") { Description = "Graph variant of onnx-community exports: fp32, fp16, q4, q4f16, q8, int8, uint8, bnb4 (default: what loading picks among those present)." };
        option.AcceptOnlyFromAmong("auto", "fp32", "fp16", "q4", "q4f16", "q8", "int8", "uint8", "bnb4");
        return option;
    }

    private static OnnxGraphVariant ParseVariant(string? text) => text is null ? OnnxGraphVariant.Auto : Enum.Parse<OnnxGraphVariant>(text, ignoreCase: true);

    /// <summary>The --json shape; small git files get their sha256 from disk (the Hub lists one only for LFS files).</summary>
    private static PullResult Describe(HubSnapshot snapshot)
    {
        PullFile[] files = [.. snapshot.Files.Select(f => new PullFile(f.Path, f.Bytes, f.Sha256 ?? Sha256Of(Path.Combine(snapshot.SnapshotFolder, f.Path))))];
        return new PullResult(snapshot.RepoId, snapshot.Revision, snapshot.Commit, snapshot.Path, files, snapshot.DownloadedBytes);
    }

    private static string Sha256Of(string file)
    {
        using FileStream stream = File.OpenRead(file);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private sealed record PullResult(string Repo, string Revision, string Commit, string Path, IReadOnlyList<PullFile> Files, long DownloadedBytes);

    private sealed record PullFile(string Path, long Bytes, string Sha256);
}
