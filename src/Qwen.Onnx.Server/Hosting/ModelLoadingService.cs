using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Qwen.Onnx.Server.Hosting;

/// <summary>
/// Loads every served model in the background when the host starts, so the server answers <c>/health</c> (not ready)
/// and the chat page while large models load. A failed load is logged with its reason and shown by <c>/health</c>.
/// </summary>
internal sealed partial class ModelLoadingService(ModelCatalog catalog, QwenServerOptions options, ILogger<ModelLoadingService> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _loading = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loading = Task.Run(LoadAllAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>One model after the other: loads compete for the same cores and memory, and progress output stays readable.</summary>
    private async Task LoadAllAsync()
    {
        foreach (ServedModel model in catalog.Models)
        {
            await LoadAsync(model, _stopping.Token).ConfigureAwait(false);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loading.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _stopping.Dispose();

    private async Task LoadAsync(ServedModel model, CancellationToken cancellationToken)
    {
        try
        {
            // A server is long-lived and OpenAI clients often ask for JSON: index the vocabulary before the first such request.
            QwenModel loaded = await options.Loader(model.Definition.Path, options.ModelOptions with { PrepareStructuredOutput = true }, cancellationToken).ConfigureAwait(false);
            model.SetReady(loaded);
            LogLoaded(model.Id, loaded.Folder.Path, loaded.LoadTime.TotalMilliseconds);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            model.SetFailed("the server stopped before the model had loaded.");
        }
#pragma warning disable CA1031 // Any load failure must become the model's state, not an unobserved task exception.
        catch (Exception e)
#pragma warning restore CA1031
        {
            model.SetFailed(e.Message);
            // The SDK's own errors say what is wrong and what to do; a stack trace helps only for anything else.
            LogFailed(e is QwenOnnxException ? null : e, model.Id, model.Definition.Path, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Id} loaded from {Path} in {Milliseconds:F0} ms")]
    private partial void LogLoaded(string id, string path, double milliseconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Model {Id} ({Path}) failed to load: {Reason}")]
    private partial void LogFailed(Exception? error, string id, string path, string reason);
}
