namespace Qwen.Onnx.Server.Hosting;

/// <summary>The served models by id. Models load in the background (<see cref="ModelLoadingService"/>); the catalog
/// owns them and frees their native memory when the host disposes it.</summary>
public sealed class ModelCatalog : IAsyncDisposable
{
    private readonly Dictionary<string, ServedModel> _byId;

    internal ModelCatalog(QwenServerOptions options)
    {
        Models = [.. options.Models.Select(d => new ServedModel(d))];
        _byId = Models.ToDictionary(m => m.Id, StringComparer.Ordinal);
    }

    /// <summary>Every served model, in configuration order.</summary>
    public IReadOnlyList<ServedModel> Models { get; }

    /// <summary>Whether every model has loaded.</summary>
    public bool IsReady => Models.All(m => m.State == ServedModelState.Ready);

    /// <summary>Finds a model by id.</summary>
    /// <param name="id">The id clients send as <c>model</c>.</param>
    /// <returns>The model, or <see langword="null"/> when no model has that id.</returns>
    public ServedModel? Find(string id) => _byId.GetValueOrDefault(id);

    /// <summary>Waits until every model has loaded.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="InvalidOperationException">A model failed to load; the message says which and why.</exception>
    public async Task WaitUntilReadyAsync(CancellationToken cancellationToken = default)
    {
        await Task.WhenAll(Models.Select(m => m.Loaded)).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (Models.FirstOrDefault(m => m.State == ServedModelState.Failed) is ServedModel failed)
        {
            throw new InvalidOperationException($"The model '{failed.Id}' ({failed.Definition.Path}) failed to load: {failed.Error}");
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (ServedModel model in Models)
        {
            if (model.Model is QwenModel loaded)
            {
                model.ChatClient?.Dispose();
                await loaded.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
