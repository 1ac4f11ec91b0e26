using Qwen.Onnx;
using Spectre.Console;

namespace Qwen.Onnx.Cli;

/// <summary>Loads a model with a spinner on stderr, so slow loads of real models show progress.</summary>
internal static class ModelLoading
{
    private static readonly IAnsiConsole Status = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    public static async Task<QwenModel> LoadAsync(string path, QwenModelOptions options, CancellationToken cancellationToken)
    {
        if (Console.IsErrorRedirected)
        {
            return await QwenModel.LoadAsync(path, options, cancellationToken);
        }

        return await Status.Status()
            .Spinner(Spinner.Known.Dots)
            .StartAsync($"Loading {Markup.Escape(Path.GetFileName(Path.GetFullPath(path)))} on {ExecutionProviderPackages.ShortName(options.Provider)}...", _ => QwenModel.LoadAsync(path, options, cancellationToken));
    }
}
