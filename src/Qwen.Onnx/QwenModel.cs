using Qwen.Onnx.Generation;
using Qwen.Onnx.Hub;
using Qwen.Onnx.Models;
using Qwen.Onnx.Multimodal;
using Qwen.Onnx.Runtime;
using Qwen.Onnx.Text;
using Qwen.Onnx.Tokenization;

namespace Qwen.Onnx;

/// <summary>
/// A loaded Qwen model: the front door of Qwen.Onnx. <see cref="LoadAsync(string, QwenModelOptions?, CancellationToken)"/> looks at the folder and picks the
/// engine; every request type (text today, images and audio with the vision and audio packages) goes through
/// <see cref="GenerateAsync(QwenChatRequest, CancellationToken)"/> or <see cref="GenerateStreamingAsync"/>.
/// Safe for concurrent requests. Dispose it to free the native memory.
/// </summary>
public sealed class QwenModel : IDisposable, IAsyncDisposable
{
    private readonly IQwenEngine _engine;

    private QwenModel(IQwenEngine engine) => _engine = engine;

    /// <summary>The folder the model was loaded from, with its layout and type.</summary>
    public ModelFolder Folder => _engine.Folder;

    /// <summary>The execution provider every session of the model runs on; CPU when a permitted fallback moved any of them there.</summary>
    public ExecutionProvider Provider => _engine.Provider;

    /// <summary>The provider each of the model's sessions runs on, by graph name (decoder, embed_tokens, encoders).</summary>
    public IReadOnlyDictionary<string, ExecutionProvider> SessionProviders => _engine.SessionProviders;

    /// <summary>The model's tokenizer.</summary>
    public QwenTokenizer Tokenizer => _engine.Tokenizer;

    /// <summary>How long loading took.</summary>
    public TimeSpan LoadTime => _engine.LoadTime;

    /// <summary>
    /// Loads a model folder: a GenAI export (<c>genai_config.json</c>) runs on the text engine; an onnx-community-style
    /// export (<c>config.json</c> and <c>onnx/</c>: Qwen-VL, Qwen2-Audio, or a text-only Qwen2.5/Qwen3 export with its
    /// own chat template) runs on the multimodal engine.
    /// </summary>
    /// <param name="path">The model folder.</param>
    /// <param name="options">Device, fallback, logging and concurrency; <see langword="null"/> for CPU defaults.</param>
    /// <param name="cancellationToken">Abandons the load.</param>
    /// <exception cref="InvalidModelException">The folder is missing, incomplete, malformed or of an unsupported layout.</exception>
    /// <exception cref="ExecutionProviderUnavailableException">The requested GPU provider cannot be used and fallback is off.</exception>
    public static Task<QwenModel> LoadAsync(string path, QwenModelOptions? options = null, CancellationToken cancellationToken = default) =>
        LoadAsync(path, options, null, null, cancellationToken);

    /// <summary>
    /// Loads a model folder, or a Hugging Face Hub repository given as <c>org/name</c> or <c>org/name@revision</c>:
    /// from the huggingface_hub cache when it holds the model (no network call), else downloaded first (see
    /// <see cref="QwenModelHub.ResolveAsync"/>) unless offline. An existing folder always wins over a repository id.
    /// </summary>
    /// <param name="pathOrRepoId">The model folder, or <c>org/name[@revision]</c>.</param>
    /// <param name="options">Device, fallback, graph variant (also the variant downloaded), logging and concurrency.</param>
    /// <param name="hubOptions">Cache, token, endpoint, offline mode; <see langword="null"/> for the environment's (HF_HUB_CACHE, HF_TOKEN, ...).</param>
    /// <param name="progress">Receives download progress when the model is not cached.</param>
    /// <param name="cancellationToken">Abandons the download (resumable) or the load.</param>
    /// <exception cref="InvalidModelException">The folder is missing, incomplete, malformed or of an unsupported layout.</exception>
    /// <exception cref="HubException">The repository could not be found, downloaded or served from the cache offline.</exception>
    /// <exception cref="ExecutionProviderUnavailableException">The requested GPU provider cannot be used and fallback is off.</exception>
    public static async Task<QwenModel> LoadAsync(string pathOrRepoId, QwenModelOptions? options, HubPullOptions? hubOptions, IProgress<HubDownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        // Inspecting the folder and compiling a chat template are CPU work a UI thread must not do.
        await default(ThreadPoolHop);
        string path = Directory.Exists(pathOrRepoId) || !HubRepoReference.TryParse(pathOrRepoId, out _)
            ? pathOrRepoId
            : (await QwenModelHub.ResolveAsync(pathOrRepoId, hubOptions ?? new HubPullOptions { Variant = options?.GraphVariant ?? OnnxGraphVariant.Auto }, progress, cancellationToken).ConfigureAwait(false)).Path;
        ModelFolder folder = ModelFolder.Inspect(path);
        IQwenEngine engine = folder.Layout switch
        {
            ModelLayout.GenAi => await GenAiTextEngine.LoadAsync(folder.Path, options, cancellationToken).ConfigureAwait(false),
            _ when folder.HasVisionEncoder || folder.HasAudioEncoder => await MultimodalEngine.LoadAsync(folder.Path, options, cancellationToken).ConfigureAwait(false),
            _ => await LoadTextOnlyAsync(folder, options, cancellationToken).ConfigureAwait(false),
        };
        return new QwenModel(engine);
    }

    /// <summary>A text-only onnx-community export keeps the model's own chat template (Qwen2.5's system prompt, Qwen3's thinking, tools).</summary>
    private static async Task<MultimodalEngine> LoadTextOnlyAsync(ModelFolder folder, QwenModelOptions? options, CancellationToken cancellationToken)
    {
        QwenChatTemplate template = QwenChatTemplate.FromFolder(folder.Path);
        try
        {
            return await MultimodalEngine.LoadAsync(folder.Path, options, template, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            template.Dispose();
            throw;
        }
    }

    /// <summary>The execution providers the installed ONNX Runtime packages offer on this machine (CPU always).</summary>
    public static IReadOnlyList<ExecutionProvider> GetAvailableProviders() => ExecutionProviderDiscovery.GetAvailableProviders();

    /// <summary>Answers a request and returns the whole answer.</summary>
    /// <param name="request">The conversation and options.</param>
    /// <param name="cancellationToken">Stops generation within one token; throws <see cref="OperationCanceledException"/>.</param>
    public async Task<QwenChatResponse> GenerateAsync(QwenChatRequest request, CancellationToken cancellationToken = default)
    {
        var builder = new QwenChatResponseBuilder();
        await foreach (QwenChatResponseUpdate update in GenerateStreamingAsync(request, cancellationToken).ConfigureAwait(false))
        {
            builder.Add(update);
        }

        return builder.Build();
    }

    /// <summary>Answers a single user prompt.</summary>
    /// <param name="prompt">The user's text.</param>
    /// <param name="options">Generation options.</param>
    /// <param name="cancellationToken">Stops generation.</param>
    public Task<QwenChatResponse> GenerateAsync(string prompt, GenerationOptions? options = null, CancellationToken cancellationToken = default) =>
        GenerateAsync(QwenChatRequest.FromPrompt(prompt, options: options), cancellationToken);

    /// <summary>Streams the answer token by token; the last update carries finish reason, usage and timings.</summary>
    /// <param name="request">The conversation and options.</param>
    /// <param name="cancellationToken">Stops generation within one token; throws <see cref="OperationCanceledException"/>.</param>
    public IAsyncEnumerable<QwenChatResponseUpdate> GenerateStreamingAsync(QwenChatRequest request, CancellationToken cancellationToken = default) =>
        _engine.GenerateStreamingAsync(request, cancellationToken);

    /// <summary>The exact prompt text the model will see for a request (chat template applied).</summary>
    /// <param name="request">The request.</param>
    public string RenderPrompt(QwenChatRequest request) => _engine.RenderPrompt(request);

    /// <summary>
    /// Frees the native memory without blocking: requests still running are cancelled (their streams end with
    /// <see cref="OperationCanceledException"/>) and the memory is freed when the last of them has ended. A second
    /// call does nothing.
    /// </summary>
    public void Dispose() => _engine.Dispose();

    /// <summary>
    /// As <see cref="Dispose"/>, then waits without blocking a thread (at most two seconds) for cancelled requests to
    /// end and the memory to be freed. A stream kept open without being read frees it when it is disposed; the model's
    /// logger reports it.
    /// </summary>
    public ValueTask DisposeAsync() => _engine.DisposeAsync();
}
