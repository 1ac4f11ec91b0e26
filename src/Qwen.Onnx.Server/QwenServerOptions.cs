namespace Qwen.Onnx.Server;

/// <summary>What <see cref="QwenServerServiceCollectionExtensions.AddQwenModels"/> serves and how.</summary>
public sealed class QwenServerOptions
{
    private readonly List<ServedModelDefinition> _models = [];

    /// <summary>The models to load, in the order <c>/v1/models</c> lists them.</summary>
    public IReadOnlyList<ServedModelDefinition> Models => _models;

    /// <summary>
    /// Loads one model folder (or whatever the loader understands). The default is
    /// <see cref="QwenModel.LoadAsync(string, QwenModelOptions?, CancellationToken)"/>, which also takes Hub repository
    /// ids from the cache; an application may resolve names its own way (the CLI pulls missing repositories with progress).
    /// </summary>
    public Func<string, QwenModelOptions, CancellationToken, Task<QwenModel>> Loader { get; set; } = QwenModel.LoadAsync;

    /// <summary>Device, threads and logging of every model (CPU defaults unless set); the server always sets <see cref="QwenModelOptions.PrepareStructuredOutput"/>.</summary>
    public QwenModelOptions ModelOptions { get; set; } = new();

    /// <summary>When set, every <c>/v1</c> request must carry <c>Authorization: Bearer</c> with this key.</summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// Chat requests generating at once; further requests wait in the queue. Default 8, the multimodal engine's
    /// <see cref="QwenModelOptions.MaxBatchSize"/>: onnx-community models decode that many requests in one shared step
    /// (GenAI models still run at most their own <see cref="QwenModelOptions.MaxConcurrentRequests"/> at once).
    /// </summary>
    public int MaxConcurrentRequests { get; set; } = 8;

    /// <summary>Chat requests that may wait for a free slot; a request beyond that gets 429 with <c>Retry-After</c>. Default 64.</summary>
    public int QueueLength { get; set; } = 64;

    /// <summary>Whether <c>image_url</c> may be an http(s) address the server fetches (otherwise only <c>data:</c> URIs).</summary>
    public bool AllowRemoteMedia { get; set; }

    /// <summary>The largest media file (decoded base64 or fetched body) accepted, in bytes. Default 32 MB.</summary>
    public int MaxMediaBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>How long a remote media fetch may take. Default 10 s.</summary>
    public TimeSpan RemoteMediaTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The largest request body, in bytes; larger ones get 413. Default 64 MB.</summary>
    public long MaxRequestBodyBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Answer length when the request sets neither <c>max_tokens</c> nor <c>max_completion_tokens</c>. Default 512.</summary>
    public int DefaultMaxTokens { get; set; } = 512;

    /// <summary>Adds a model.</summary>
    /// <param name="id">The id clients send as <c>model</c>.</param>
    /// <param name="path">The folder (or name the <see cref="Loader"/> resolves).</param>
    /// <exception cref="ArgumentException">The id is empty or already used.</exception>
    public QwenServerOptions AddModel(string id, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (_models.Any(m => m.Id == id))
        {
            throw new ArgumentException($"The model id '{id}' is used twice; give each model its own id (ID=DIR).", nameof(id));
        }

        _models.Add(new ServedModelDefinition(id, path));
        return this;
    }

    /// <summary>Adds a model whose id is the folder's name.</summary>
    /// <param name="path">The model folder.</param>
    public QwenServerOptions AddModel(string path) =>
        AddModel(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path))), path);

    /// <summary>Checks the values and throws <see cref="ArgumentException"/> naming the bad one.</summary>
    public void Validate()
    {
        if (_models.Count == 0)
        {
            throw new ArgumentException("No model to serve: call AddModel at least once.", nameof(Models));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxConcurrentRequests);
        ArgumentOutOfRangeException.ThrowIfNegative(QueueLength);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxMediaBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxRequestBodyBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(DefaultMaxTokens);
        if (ApiKey is { Length: 0 })
        {
            throw new ArgumentException("The API key cannot be empty; leave it null to serve without one.", nameof(ApiKey));
        }
    }
}

/// <summary>A model to serve: the id clients use and where it comes from.</summary>
/// <param name="Id">The id clients send as <c>model</c>.</param>
/// <param name="Path">The folder, or a name the loader resolves.</param>
public sealed record ServedModelDefinition(string Id, string Path);
