using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntimeGenAI;
using Qwen.Onnx.Constraints;
using Qwen.Onnx.Generation;
using Qwen.Onnx.Models;
using Qwen.Onnx.Tokenization;

namespace Qwen.Onnx.Text;

/// <summary>
/// Qwen text generation on ONNX Runtime GenAI for a folder in GenAI layout. One loaded model serves concurrent
/// requests (each gets its own generator); <see cref="Dispose"/> frees all native memory.
/// </summary>
public sealed class GenAiTextEngine : IQwenEngine
{
    private readonly Model _model;
    private readonly QwenChatTemplate _template;
    private readonly RequestGate _gate;
    private readonly GenAiConfigFile _config;
    private readonly ILogger _logger;
    private readonly ConstraintCompiler _constraints;

    private GenAiTextEngine(ModelFolder folder, GenAiConfigFile config, Model model, QwenTokenizer tokenizer, ExecutionProvider provider, TimeSpan loadTime, QwenModelOptions options)
    {
        Folder = folder;
        _config = config;
        _model = model;
        Tokenizer = tokenizer;
        Provider = provider;
        LoadTime = loadTime;
        _template = new QwenChatTemplate(model);
        _gate = new RequestGate(options.MaxConcurrentRequests ?? Environment.ProcessorCount);
        _constraints = new ConstraintCompiler(tokenizer);
        _logger = options.LoggerFactory?.CreateLogger<GenAiTextEngine>() ?? NullLogger<GenAiTextEngine>.Instance;
        if (options.PrepareStructuredOutput)
        {
            _constraints.PrepareInBackground(_logger);
        }
    }

    /// <inheritdoc />
    public ModelFolder Folder { get; }

    /// <inheritdoc />
    public QwenTokenizer Tokenizer { get; }

    /// <inheritdoc />
    public ExecutionProvider Provider { get; }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, ExecutionProvider> SessionProviders => new Dictionary<string, ExecutionProvider> { ["model"] = Provider };

    /// <inheritdoc />
    public TimeSpan LoadTime { get; }

    /// <summary>The model's context length (prompt plus answer).</summary>
    public int ContextLength => _config.ContextLength;

    /// <summary>Loads a GenAI-layout model folder.</summary>
    /// <param name="path">The folder with <c>genai_config.json</c>.</param>
    /// <param name="options">Device and concurrency options.</param>
    /// <param name="cancellationToken">Abandons the load before the native model is created.</param>
    /// <exception cref="InvalidModelException">The folder is missing, incomplete or malformed.</exception>
    /// <exception cref="ExecutionProviderUnavailableException">The requested provider cannot be used and CPU fallback is off.</exception>
    public static Task<GenAiTextEngine> LoadAsync(string path, QwenModelOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new QwenModelOptions();
        options.Validate();
        return Task.Run(() => Load(path, options, cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public string RenderPrompt(QwenChatRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        RejectMedia(request);
        return _template.Render(request.Messages, request.Tools, request.Options.EnableThinking);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<QwenChatResponseUpdate> GenerateStreamingAsync(QwenChatRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(_gate.IsClosed, this);
        long started = Stopwatch.GetTimestamp();
        request.Options.Validate();

        TokenConstraint? constraint = _constraints.Create(request.Options.ResponseFormat);
        using RequestGate.Lease lease = await _gate.EnterAsync(cancellationToken).ConfigureAwait(false);
        CancellationToken token = lease.Token;

        // Rendering and tokenising the prompt are the first CPU work: none of it may run on a UI thread.
        await default(ThreadPoolHop);
        int[] prompt = [.. Tokenizer.Encode(RenderPrompt(request))];
        if (prompt.Length >= _config.ContextLength)
        {
            throw new PromptTooLongException(prompt.Length, _config.ContextLength);
        }

        var streamer = new ResponseStreamer(Tokenizer, request.Options, Tokenizer.EndOfTurnTokenIds, prompt.Length, LoadTime, started);
        using var parameters = new GeneratorParams(_model);
        SearchOptions.Apply(parameters, request.Options, Math.Min(_config.ContextLength, prompt.Length + request.Options.MaxNewTokens));
        if (constraint is not null)
        {
            streamer.ConstraintComplete = () => constraint.IsComplete;
        }

        using var generator = new Generator(_model, parameters);
        GeneratorLogits? logits = constraint is null ? null : GeneratorLogits.For(generator, constraint);

        // A long prefill is one native call; terminating the session is the only way to stop it early.
        using CancellationTokenRegistration abort = token.Register(() => generator.SetRuntimeOption("terminate_session", "1"));
        RunNative(generator, prompt, token);
        while (streamer.Finish is null)
        {
            token.ThrowIfCancellationRequested();
            await default(ThreadPoolHop);
            if (generator.IsDone())
            {
                yield return streamer.OnContextFull();
                break;
            }

            // The multimodal engine's masks on GenAI's logits; GenAI samples among the tokens left.
            logits?.Mask();

            RunNative(generator, null, token);
            int next = generator.GetNextTokens()[0];
            constraint?.Accept(next);
            yield return streamer.OnToken(next);
        }
    }

    /// <summary>
    /// Frees the native model without blocking: requests still running are cancelled (their streams end with
    /// <see cref="OperationCanceledException"/>), and the native memory is freed when the last of them has ended
    /// (at once when none is running). A second call does nothing.
    /// </summary>
    public void Dispose() => _gate.Close(FreeNative, _logger, Folder.Name);

    /// <summary>
    /// As <see cref="Dispose"/>, then waits without blocking a thread (at most two seconds) for the cancelled requests
    /// to end and the memory to be freed; a stream kept open but not read frees it when it is disposed (logged).
    /// </summary>
    public ValueTask DisposeAsync() => _gate.CloseAsync(FreeNative, _logger, Folder.Name);

    private void FreeNative()
    {
        _template.Dispose();
        _model.Dispose();
        _gate.Dispose();
    }

    private static GenAiTextEngine Load(string path, QwenModelOptions options, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        ModelFolder folder = ModelFolder.Inspect(path);
        if (folder.Layout != ModelLayout.GenAi)
        {
            throw new InvalidModelException(folder.Path, "the text engine needs a GenAI-layout folder (genai_config.json); this is an onnx-community export.");
        }

        GenAiConfigFile config = GenAiConfigFile.Read(folder.Path);
        QwenTokenizer tokenizer = QwenTokenizer.FromFolder(folder.Path);
        cancellationToken.ThrowIfCancellationRequested();
        GenAiRuntime.EnsureInitialized();
        ILogger logger = options.LoggerFactory?.CreateLogger<GenAiTextEngine>() ?? NullLogger<GenAiTextEngine>.Instance;
        (Model model, ExecutionProvider provider) = CreateModel(folder.Path, options, logger);
        TimeSpan loadTime = Stopwatch.GetElapsedTime(started);
        logger.Loaded(folder.Name, folder.ModelType, provider, loadTime.TotalMilliseconds);
        return new GenAiTextEngine(folder, config, model, tokenizer, provider, loadTime, options);
    }

    private static (Model Model, ExecutionProvider Provider) CreateModel(string path, QwenModelOptions options, ILogger logger)
    {
        try
        {
            return (CreateModel(path, options.Provider, options), options.Provider);
        }
        catch (Exception e) when (options.Provider != ExecutionProvider.Cpu && ProviderSetup.IsUnavailable(e))
        {
            if (!options.AllowCpuFallback)
            {
                throw new ExecutionProviderUnavailableException(options.Provider, e.Message, e);
            }

            logger.FellBackToCpu(options.Provider, e.Message);
            return (CreateModel(path, ExecutionProvider.Cpu, options), ExecutionProvider.Cpu);
        }
    }

    private static Model CreateModel(string path, ExecutionProvider provider, QwenModelOptions options)
    {
        using var config = new Config(path);
        try
        {
            ProviderSetup.Apply(config, provider, options.DeviceId);
            config.Overlay(JsonSerializer.Serialize(new { model = new { decoder = new { session_options = new { intra_op_num_threads = options.EffectiveIntraOpThreads } } } }));

            return new Model(config);
        }
        catch (OnnxRuntimeGenAIException e) when (!ProviderSetup.IsUnavailable(e))
        {
            throw new InvalidModelException(path, $"ONNX Runtime GenAI could not load it: {e.Message}", e);
        }
    }

    private void RejectMedia(QwenChatRequest request)
    {
        if (request.Images.Any())
        {
            throw new UnsupportedModalityException(Folder.Name, "image", "vision encoder");
        }

        if (request.Videos.Any())
        {
            throw new UnsupportedModalityException(Folder.Name, "video", "vision encoder");
        }

        if (request.Audios.Any())
        {
            throw new UnsupportedModalityException(Folder.Name, "audio", "audio encoder");
        }
    }

    /// <summary>
    /// Prefills the prompt, or generates one token when <paramref name="prompt"/> is null. An error caused by
    /// terminating a cancelled session becomes a cancellation.
    /// </summary>
    private void RunNative(Generator generator, int[]? prompt, CancellationToken cancellationToken)
    {
        try
        {
            if (prompt is null)
            {
                generator.GenerateNextToken();
            }
            else
            {
                generator.AppendTokens(prompt);
            }
        }
        catch (OnnxRuntimeGenAIException e) when (cancellationToken.IsCancellationRequested)
        {
            _logger.Terminated(e);
            throw new OperationCanceledException(cancellationToken);
        }
    }
}
