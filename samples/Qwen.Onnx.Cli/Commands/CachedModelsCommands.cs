using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Qwen.Onnx.Hub;

namespace Qwen.Onnx.Cli.Commands;

/// <summary><c>qwen-onnx models list</c> and <c>models rm REPO</c>: the models in the huggingface_hub cache.</summary>
internal static class CachedModelsCommands
{
    public static Command List()
    {
        var command = new Command("list", "List the models in the Hub cache with sizes and variants.") { PullCommand.CacheDir, CliOptions.Json };
        command.SetAction(result =>
        {
            IReadOnlyList<HubCachedModel> models = QwenModelHub.ListCachedModels(result.GetValue(PullCommand.CacheDir)?.FullName);
            if (result.GetValue(CliOptions.Json))
            {
                Console.WriteLine(JsonSerializer.Serialize(models.Select(m => new { repo = m.RepoId, bytes = m.SizeBytes, variants = m.Variants, refs = m.Refs, path = m.Path }), CliJson.Options));
                return 0;
            }

            foreach (HubCachedModel model in models)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{model.RepoId,-50} {model.SizeBytes / 1e6,10:F1} MB  {string.Join(", ", model.Variants)}"));
            }

            return 0;
        });
        return command;
    }

    public static Command Remove()
    {
        var repo = new Argument<string>("repo") { Description = "The repository to delete from the cache, org/name." };
        var command = new Command("rm", "Delete a model (all revisions) from the Hub cache.") { repo, PullCommand.CacheDir };
        command.SetAction(result =>
        {
            string id = result.GetValue(repo)!;
            if (!QwenModelHub.RemoveCachedModel(id, result.GetValue(PullCommand.CacheDir)?.FullName))
            {
                Console.Error.WriteLine($"error: {id} is not in the cache (see `qwen-onnx models list`).");
                return 1;
            }

            Console.WriteLine($"removed {id}");
            return 0;
        });
        return command;
    }
}
