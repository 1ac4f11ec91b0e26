using Microsoft.Extensions.Logging;

namespace Qwen.Onnx.Extensions.AI;

/// <summary>
/// The model behind a <see cref="QwenChatClient"/>: one already loaded, or (dependency injection) one loaded
/// asynchronously, once, by <see cref="QwenModelWarmup"/> at host start or by the first request, whichever comes
/// first. A failed load is logged and every request then fails with the load's own typed exception.
/// </summary>
internal sealed partial class QwenModelSource : IDisposable, IAsyncDisposable
{
    private readonly Func<CancellationToken, Task<QwenModel>>? _load;
    private readonly ILogger? _logger;
    private readonly string _path;
    private readonly Lock _sync = new();
    private Task<QwenModel>? _model;

    public QwenModelSource(QwenModel model)
    {
        _model = Task.FromResult(model);
        _path = model.Folder.Path;
        Name = model.Folder.Name;
    }

    public QwenModelSource(string path, Func<CancellationToken, Task<QwenModel>> load, ILogger? logger)
    {
        _load = load;
        _logger = logger;
        _path = path;
        Name = Path.GetFileName(Path.TrimEndingDirectorySeparator(path));
    }

    /// <summary>The model's folder name, known before it is loaded.</summary>
    public string Name { get; }

    /// <summary>The model once it has loaded; <see langword="null"/> before.</summary>
    public QwenModel? Loaded => _model is { IsCompletedSuccessfully: true } loaded ? loaded.Result : null;

    /// <summary>The model, starting the load if nothing has yet.</summary>
    /// <param name="cancellationToken">Stops this caller's wait, not the shared load.</param>
    public Task<QwenModel> GetAsync(CancellationToken cancellationToken)
    {
        Task<QwenModel> model;
        lock (_sync)
        {
            model = _model ??= LoadAsync();
        }

        return model.WaitAsync(cancellationToken);
    }

    public void Dispose() => Loaded?.Dispose();

    public ValueTask DisposeAsync() => Loaded?.DisposeAsync() ?? ValueTask.CompletedTask;

    private async Task<QwenModel> LoadAsync()
    {
        try
        {
            // Shared by every request, so no one request's cancellation may abandon it.
            return await _load!(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            if (_logger is not null)
            {
                LogLoadFailed(_logger, _path, e.Message, e);
            }

            throw;
        }
    }

    [LoggerMessage(1, LogLevel.Error, "The Qwen model at {Path} could not be loaded: {Reason} Every chat request will fail with this error until the configuration is fixed.")]
    private static partial void LogLoadFailed(ILogger logger, string path, string reason, Exception exception);
}
