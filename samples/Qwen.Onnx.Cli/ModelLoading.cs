using Qwen.Onnx;
using Qwen.Onnx.Hub;
using Spectre.Console;

namespace Qwen.Onnx.Cli;

/// <summary>
/// Turns a <c>--model</c> value into a folder (a folder as it is; a Hub repo id from the cache, else pulled with
/// progress) and loads it with a spinner on stderr. Every command that takes <c>--model</c> goes through here.
/// </summary>
internal static class ModelLoading
{
    private static readonly IAnsiConsole Status = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    /// <summary>The model folder for a <c>--model</c> value: an existing folder, or the cached (else downloaded) snapshot of <c>org/name[@rev]</c>.</summary>
    public static async Task<string> ResolveFolderAsync(string model, CancellationToken cancellationToken, OnnxGraphVariant variant = OnnxGraphVariant.Auto)
    {
        if (Directory.Exists(model) || !HubRepoReference.TryParse(model, out _))
        {
            return model;
        }

        var progress = new DownloadProgressView();
        HubSnapshot snapshot = await QwenModelHub.ResolveAsync(model, new HubPullOptions { Variant = variant }, progress, cancellationToken);
        progress.Finish(snapshot.DownloadedBytes);
        return snapshot.Path;
    }

    public static async Task<QwenModel> LoadAsync(string model, QwenModelOptions options, CancellationToken cancellationToken)
    {
        string path = await ResolveFolderAsync(model, cancellationToken, options.GraphVariant);
        if (Console.IsErrorRedirected)
        {
            return await QwenModel.LoadAsync(path, options, cancellationToken);
        }

        return await Status.Status()
            .Spinner(Spinner.Known.Dots)
            .StartAsync($"Loading {Markup.Escape(Path.GetFileName(Path.GetFullPath(path)))} on {ExecutionProviderPackages.ShortName(options.Provider)}...", _ => QwenModel.LoadAsync(path, options, cancellationToken));
    }
}
