using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Qwen.Onnx.Audio;
using Qwen.Onnx.Audio.Encoding;
using Qwen.Onnx.Audio.Features;
using Qwen.Onnx.Constraints;
using Qwen.Onnx.Generation;
using Qwen.Onnx.Models;
using Qwen.Onnx.Multimodal.Batching;
using Qwen.Onnx.Multimodal.Caching;
using Qwen.Onnx.Multimodal.Families;
using Qwen.Onnx.Multimodal.Prompts;
using Qwen.Onnx.Multimodal.Sampling;
using Qwen.Onnx.Prompts;
using Qwen.Onnx.Runtime;
using Qwen.Onnx.Runtime.Direct;
using Qwen.Onnx.Tokenization;
using Qwen.Onnx.Vision.Encoding;
using Qwen.Onnx.Vision.Preprocessing;

namespace Qwen.Onnx.Multimodal;

/// <summary>
/// Qwen-VL and Qwen2-Audio generation on ONNX Runtime for onnx-community-style folders: the prompt is rendered as the
/// model's family does (Qwen2-VL, Qwen2.5-VL, Qwen3-VL, Qwen2-Audio or a text export's own template, chosen at load), image and audio placeholders are expanded to one pad per feature row, the encoders
/// run once at prefill and their features replace the pad embeddings in order, positions are M-RoPE rows when the
/// decoder declares three (one row otherwise), and the decoder runs with its KV cache kept as ONNX Runtime values.
/// One loaded model serves concurrent requests, which share decode steps (<see cref="QwenModelOptions.MaxBatchSize"/>);
/// a request's stream receives its updates as they are made, so a stream that is not read does not hold the others
/// back. <see cref="Dispose"/> frees every session.
/// </summary>
public sealed class MultimodalEngine : IQwenEngine
{
    private readonly ModelFamily _family;
    private readonly QwenAudioProcessor? _audioProcessor;
    private readonly DecoderGraph _decoder;
    private readonly QwenVisionEncoder? _vision;
    private readonly QwenAudioEncoder? _audio;
    private readonly PromptAssembler _prompts;
    private readonly RequestGate _gate;
    private readonly PromptCache? _promptCache;
    private readonly EncoderFeatureCache? _features;
    private readonly IChatTemplate? _template;
    private readonly ILogger _logger;
    private readonly ConstraintCompiler _constraints;
    private readonly long[] _maskOfOnes;
    private readonly BatchScheduler _scheduler;

    private MultimodalEngine(ModelFolder folder, MultimodalModelConfig config, QwenTokenizer tokenizer, DecoderGraph decoder, QwenVisionEncoder? vision, QwenAudioEncoder? audio, Dictionary<string, ExecutionProvider> providers, QwenModelOptions options, IChatTemplate? template)
    {
        _template = template;
        Folder = folder;
        _family = ModelFamily.Choose(config, decoder.ThreeRowPositions, template);
        Tokenizer = tokenizer;
        _decoder = decoder;
        _vision = vision;
        _audio = audio;
        _audioProcessor = audio is null ? null : QwenAudioProcessor.FromModelFolder(folder.Path);
        _prompts = new PromptAssembler(
            folder.Name,
            _family,
            tokenizer,
            vision is null ? null : new QwenImageProcessor(QwenImageProcessorOptions.FromModelFolder(folder.Path)),
            _audioProcessor);
        SessionProviders = providers;

        // One session on the CPU (a permitted fallback) means the model does not run wholly on the requested provider.
        Provider = providers.Values.Distinct().Count() == 1 ? providers.Values.First() : ExecutionProvider.Cpu;
        _gate = new RequestGate(options.MaxConcurrentRequests ?? options.MaxBatchSize);
        _promptCache = options.ReusePromptCache ? new PromptCache() : null;

        // Four entries hold the images of a typical conversation (a 1369-token Qwen2-VL-2B image is 8 MB of features).
        _features = options.ReusePromptCache ? new EncoderFeatureCache(4) : null;
        _logger = options.LoggerFactory?.CreateLogger<MultimodalEngine>() ?? NullLogger<MultimodalEngine>.Instance;
        _constraints = new ConstraintCompiler(tokenizer);
        if (options.PrepareStructuredOutput)
        {
            _constraints.PrepareInBackground(_logger);
        }

        _maskOfOnes = DecoderLoop.MaskOfOnes(config.ContextLength);
        _scheduler = new BatchScheduler(decoder, decoder.BatchesSteps ? options.MaxBatchSize : 1, options.PrefillChunkTokens, _maskOfOnes, _promptCache);
    }

    /// <inheritdoc />
    public ModelFolder Folder { get; }

    /// <inheritdoc />
    public QwenTokenizer Tokenizer { get; }

    /// <inheritdoc />
    public ExecutionProvider Provider { get; }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, ExecutionProvider> SessionProviders { get; }

    /// <inheritdoc />
    public TimeSpan LoadTime { get; private init; }

    /// <summary>Encoder runs the feature cache could not serve (null when <see cref="QwenModelOptions.ReusePromptCache"/> is off).</summary>
    internal int? EncoderCacheMisses => _features?.Misses;

    /// <summary>Decode steps that ran two or more requests at once (continuous batching), since load.</summary>
    internal long SharedDecodeSteps => _scheduler.SharedSteps;

    /// <summary>The most requests one decode step has run (tests read it).</summary>
    internal int WidestDecodeStep => _scheduler.WidestStep;

    /// <summary>The most prefill runs running requests waited for between two of their decode steps, since load.</summary>
    internal int LongestPrefillStall => _scheduler.LongestStall;

    /// <summary>The context length from config.json.</summary>
    public int ContextLength => _family.ContextLength;

    /// <summary>
    /// Loads an onnx-community folder: embed_tokens, decoder_model_merged and whichever encoders it has, or the one
    /// decoder on token ids (<c>onnx/model*.onnx</c>) of a text-only export. Prompts are rendered as ChatML the way
    /// the Qwen-VL and Qwen2-Audio templates do.
    /// </summary>
    /// <param name="path">The model folder.</param>
    /// <param name="options">Device, fallback, graph variant and concurrency.</param>
    /// <param name="cancellationToken">Abandons the load.</param>
    public static Task<MultimodalEngine> LoadAsync(string path, QwenModelOptions? options = null, CancellationToken cancellationToken = default) =>
        LoadAsync(path, options, null, cancellationToken);

    /// <summary>Loads an onnx-community folder whose prompts a given chat template renders (text-only exports: the model's own template; tools then work too).</summary>
    /// <param name="path">The model folder.</param>
    /// <param name="options">Device, fallback, graph variant and concurrency.</param>
    /// <param name="chatTemplate">Renders prompts instead of the built-in ChatML; the engine disposes it. <see langword="null"/> for ChatML.</param>
    /// <param name="cancellationToken">Abandons the load.</param>
    public static Task<MultimodalEngine> LoadAsync(string path, QwenModelOptions? options, IChatTemplate? chatTemplate, CancellationToken cancellationToken = default)
    {
        options ??= new QwenModelOptions();
        options.Validate();
        return Task.Run(() => Load(path, options, chatTemplate, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// The prompt text exactly as the engine feeds it (before pads are expanded). Audio parts are decoded to count
    /// their 30-second segments, each of which gets its own placeholder line; a seekable stream is rewound afterwards,
    /// and a non-seekable one is an <see cref="ArgumentException"/> (reading it would consume it).
    /// </summary>
    /// <param name="request">The request.</param>
    public string RenderPrompt(QwenChatRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        int[] segments = _audioProcessor is null ? [] : [.. request.Audios.Select(SegmentsOf)];
        return _family.Render(request, segments);
    }

    /// <summary>An audio part's 30-second segments, read without consuming it (a seekable stream is rewound).</summary>
    private int SegmentsOf(AudioPart audio)
    {
        Stream? stream = audio.Stream;
        if (stream is { CanSeek: false })
        {
            throw new ArgumentException("RenderPrompt cannot count the segments of a non-seekable audio stream without consuming it; pass the audio as bytes, a file, samples or a seekable stream.", nameof(audio));
        }

        long start = stream?.Position ?? 0;
        try
        {
            return _audioProcessor!.CountSegmentsAsync(audio).GetAwaiter().GetResult();
        }
        finally
        {
            if (stream is not null)
            {
                stream.Position = start;
            }
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<QwenChatResponseUpdate> GenerateStreamingAsync(QwenChatRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(_gate.IsClosed, this);
        long started = Stopwatch.GetTimestamp();
        request.Options.Validate();
        RejectUnsupported(request);
        using RequestGate.Lease lease = await _gate.EnterAsync(cancellationToken).ConfigureAwait(false);
        CancellationToken token = lease.Token;

        // Media decoding, preprocessing and the encoders are the first CPU work: none of it may run on a UI thread.
        await default(ThreadPoolHop);
        TokenConstraint? constraint = _constraints.Create(request.Options.ResponseFormat);
        PreparedPrompt prompt = await PrepareAsync(request, token).ConfigureAwait(false);
        var streamer = new ResponseStreamer(Tokenizer, request.Options, Tokenizer.EndOfTurnTokenIds, prompt.Ids.Length, LoadTime, started);
        foreach ((string stage, TimeSpan time) in prompt.Stages)
        {
            streamer.Stages[stage] = time;
        }

        streamer.ConstraintComplete = constraint is null ? null : () => constraint.IsComplete;
        var sampler = new SamplingPipeline(request.Options, prompt.Ids, constraint);

        // The scheduler's thread prefills, decodes (sharing steps with the other requests) and samples; this stream
        // hands out the updates and, however it ends, waits until the request has left before leaving the gate.
        using var batched = new BatchedRequest(prompt, sampler, streamer, _family.ContextLength, run => new DecoderLoop(_decoder, run, _maskOfOnes), token);
        _scheduler.Submit(batched);
        try
        {
            while (await batched.Updates.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                while (batched.Updates.TryRead(out QwenChatResponseUpdate? update))
                {
                    yield return update;
                    token.ThrowIfCancellationRequested();
                }
            }
        }
        finally
        {
            batched.Stop();
            await batched.Left.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Frees every session without blocking: requests still running are cancelled (their streams end with
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
        _scheduler.Dispose();
        _promptCache?.Dispose();
        _template?.Dispose();
        _decoder.Dispose();
        _vision?.Dispose();
        _audio?.Dispose();
        _gate.Dispose();
    }

    private static MultimodalEngine Load(string path, QwenModelOptions options, IChatTemplate? template, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        ModelFolder folder = ModelFolder.Inspect(path);
        if (folder.Layout != ModelLayout.OnnxCommunity)
        {
            throw new InvalidModelException(folder.Path, "the multimodal engine needs an onnx-community folder (config.json and onnx/).");
        }

        MultimodalModelConfig config = MultimodalModelConfig.Read(folder.Path);
        QwenTokenizer tokenizer = QwenTokenizer.FromFolder(folder.Path);
        // Everything opened so far is disposed when a later step throws (a missing preprocessor_config.json, say).
        var opened = new List<IDisposable>();
        try
        {
            // Multimodal exports split embed_tokens from the decoder; text-only exports have one decoder on token ids.
            bool split = Directory.EnumerateFiles(Path.Combine(folder.Path, "onnx"), "embed_tokens*.onnx").Any();
            // Each session is one native call that cannot be interrupted; the load stops between them when cancelled.
            cancellationToken.ThrowIfCancellationRequested();
            var providers = new Dictionary<string, ExecutionProvider>(StringComparer.Ordinal);
            DirectSession? embed = split ? Opened(opened, OpenGraph(folder.Path, "embed_tokens", options, providers)) : null;
            cancellationToken.ThrowIfCancellationRequested();
            DirectSession decoderSession = Opened(opened, OpenGraph(folder.Path, split ? "decoder_model_merged" : "model", options, providers));
            var decoder = new DecoderGraph(embed, decoderSession, folder.Path);
            cancellationToken.ThrowIfCancellationRequested();
            QwenVisionEncoder? vision = folder.HasVisionEncoder ? Opened(opened, QwenVisionEncoder.Open(folder.Path, options)) : null;
            if (vision is not null)
            {
                providers["vision_encoder"] = vision.Provider;
            }

            cancellationToken.ThrowIfCancellationRequested();
            QwenAudioEncoder? audio = folder.HasAudioEncoder ? Opened(opened, QwenAudioEncoder.Open(folder.Path, options)) : null;
            if (audio is not null)
            {
                providers["audio_encoder"] = audio.Provider;
            }

            cancellationToken.ThrowIfCancellationRequested();
            return new MultimodalEngine(folder, config, tokenizer, decoder, vision, audio, providers, options, template) { LoadTime = Stopwatch.GetElapsedTime(started) };
        }
        catch
        {
            opened.ForEach(d => d.Dispose());
            throw;
        }
    }

    private static T Opened<T>(List<IDisposable> opened, T session)
        where T : IDisposable
    {
        opened.Add(session);
        return session;
    }

    private static DirectSession OpenGraph(string folder, string name, QwenModelOptions options, Dictionary<string, ExecutionProvider> providers)
    {
        string path = OnnxCommunityGraphs.Find(folder, name, options.GraphVariant)
            ?? throw new InvalidModelException(folder, $"onnx/{name}*.onnx is missing. Download the complete export.");
        DirectSession session = OnnxSessions.OpenDirect(path, options, out ExecutionProvider provider);
        providers[name] = provider;
        return session;
    }

    private void RejectUnsupported(QwenChatRequest request)
    {
        _family.RejectUnsupported(request, Folder.Name);
        if (_vision is null && request.Images.Any())
        {
            throw new UnsupportedModalityException(Folder.Name, "image", "vision encoder");
        }

        if (_vision is null && request.Videos.Any())
        {
            throw new UnsupportedModalityException(Folder.Name, "video", "vision encoder");
        }

        if (_audio is null && request.Audios.Any())
        {
            throw new UnsupportedModalityException(Folder.Name, "audio", "audio encoder");
        }
    }

    /// <summary>
    /// The prompt a request becomes, without running any encoder: rendered text, expanded ids, position ids (three
    /// rows for M-RoPE decoders) and the image, video and audio token counts.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Abandons preprocessing.</param>
    public async Task<PromptInspection> InspectPromptAsync(QwenChatRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        RejectUnsupported(request);
        await default(ThreadPoolHop);
        AssembledPrompt built = await _prompts.AssembleAsync(request, cancellationToken).ConfigureAwait(false);
        built.Vision.ForEach(v => v.Pixels.Dispose());
        return new PromptInspection(
            built.Text,
            built.Ids,
            built.Positions,
            _decoder.ThreeRowPositions ? 3 : 1,
            built.RopeDelta,
            [.. built.Vision.Where(v => !v.IsVideo).Select(v => v.Pixels.TokenCount)],
            [.. built.Audios.SelectMany(a => a.TokenCounts)])
        {
            VideoTokens = [.. built.Vision.Where(v => v.IsVideo).Select(v => v.Pixels.TokenCount)],
        };
    }

    private async Task<PreparedPrompt> PrepareAsync(QwenChatRequest request, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        AssembledPrompt built = await _prompts.AssembleAsync(request, cancellationToken).ConfigureAwait(false);
        var stages = new Dictionary<string, TimeSpan> { ["preprocess"] = Stopwatch.GetElapsedTime(started) };
        try
        {
            started = Stopwatch.GetTimestamp();
            float[] visionFeatures = CancellableRun.Concatenate([.. built.Vision.Select(v => Features(v.Pixels, cancellationToken))]);
            stages["vision"] = Stopwatch.GetElapsedTime(started);
            started = Stopwatch.GetTimestamp();
            float[] audioFeatures = CancellableRun.Concatenate([.. built.Audios.Select(a => Features(a, cancellationToken))]);
            stages["audio"] = Stopwatch.GetElapsedTime(started);
            return new PreparedPrompt(
                built.Ids,
                built.Positions,
                built.RopeDelta,
                visionFeatures,
                audioFeatures,
                _vision is null ? [] : [_family.ImagePadId, _family.VideoPadId],
                _audio is null ? [] : [_family.AudioPadId],
                stages);
        }
        finally
        {
            built.Vision.ForEach(v => v.Pixels.Dispose());
        }
    }

    /// <summary>An image's or video's features: from the feature cache when the same pixels were encoded recently.</summary>
    private float[] Features(ProcessedImage pixels, CancellationToken cancellationToken) =>
        _features is null ? _vision!.Encode(pixels, cancellationToken)
        : _features.GetOrEncode(EncoderFeatureCache.KeyOf(pixels.PixelValues.Span, [pixels.GridT, pixels.GridH, pixels.GridW]), () => _vision!.Encode(pixels, cancellationToken));

    /// <summary>An audio clip's features: from the feature cache when the same log-mel features were encoded recently.</summary>
    private float[] Features(ProcessedAudio audio, CancellationToken cancellationToken) =>
        _features is null ? _audio!.Encode(audio, cancellationToken)
        : _features.GetOrEncode(EncoderFeatureCache.KeyOf<long>(audio.InputFeatures, audio.FeatureAttentionMask), () => _audio!.Encode(audio, cancellationToken));
}
