using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.ML.OnnxRuntime;
using Qwen.Onnx.Audio;
using Qwen.Onnx.Audio.Encoding;
using Qwen.Onnx.Audio.Features;
using Qwen.Onnx.Generation;
using Qwen.Onnx.Models;
using Qwen.Onnx.Multimodal.Positions;
using Qwen.Onnx.Multimodal.Prompts;
using Qwen.Onnx.Multimodal.Sampling;
using Qwen.Onnx.Runtime;
using Qwen.Onnx.Runtime.Direct;
using Qwen.Onnx.Tokenization;
using Qwen.Onnx.Vision.Encoding;
using Qwen.Onnx.Vision.Preprocessing;

namespace Qwen.Onnx.Multimodal;

/// <summary>
/// Qwen-VL and Qwen2-Audio generation on ONNX Runtime for onnx-community-style folders: the prompt is rendered as the
/// models' ChatML templates do, image and audio placeholders are expanded to one pad per feature row, the encoders
/// run once at prefill and their features replace the pad embeddings in order, positions are M-RoPE rows when the
/// decoder declares three (one row otherwise), and the decoder runs with its KV cache kept as ONNX Runtime values.
/// One loaded model serves concurrent requests; <see cref="Dispose"/> frees every session.
/// </summary>
public sealed class MultimodalEngine : IQwenEngine
{
    private readonly MultimodalModelConfig _config;
    private readonly DecoderGraph _decoder;
    private readonly QwenVisionEncoder? _vision;
    private readonly QwenImageProcessor? _imageProcessor;
    private readonly QwenAudioEncoder? _audio;
    private readonly QwenAudioProcessor? _audioProcessor;
    private readonly RequestGate _gate;

    private MultimodalEngine(ModelFolder folder, MultimodalModelConfig config, QwenTokenizer tokenizer, DecoderGraph decoder, QwenVisionEncoder? vision, QwenAudioEncoder? audio, ExecutionProvider provider, QwenModelOptions options)
    {
        Folder = folder;
        _config = config;
        Tokenizer = tokenizer;
        _decoder = decoder;
        _vision = vision;
        _audio = audio;
        _imageProcessor = vision is null ? null : new QwenImageProcessor(QwenImageProcessorOptions.FromModelFolder(folder.Path));
        _audioProcessor = audio is null ? null : QwenAudioProcessor.FromModelFolder(folder.Path);
        Provider = provider;
        _gate = new RequestGate(options.MaxConcurrentRequests);
    }

    /// <inheritdoc />
    public ModelFolder Folder { get; }

    /// <inheritdoc />
    public QwenTokenizer Tokenizer { get; }

    /// <inheritdoc />
    public ExecutionProvider Provider { get; }

    /// <inheritdoc />
    public TimeSpan LoadTime { get; private init; }

    /// <summary>The context length from config.json.</summary>
    public int ContextLength => _config.ContextLength;

    /// <summary>Loads an onnx-community folder: embed_tokens, decoder_model_merged and whichever encoders it has.</summary>
    /// <param name="path">The model folder.</param>
    /// <param name="options">Device, fallback, graph variant and concurrency.</param>
    /// <param name="cancellationToken">Abandons the load.</param>
    public static Task<MultimodalEngine> LoadAsync(string path, QwenModelOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new QwenModelOptions();
        options.Validate();
        return Task.Run(() => Load(path, options), cancellationToken);
    }

    /// <inheritdoc />
    public string RenderPrompt(QwenChatRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ChatMlPrompt.Render(request.Messages);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<QwenChatResponseUpdate> GenerateStreamingAsync(QwenChatRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(_gate.IsClosed, this);
        long started = Stopwatch.GetTimestamp();
        request.Options.Validate();
        RejectMissingEncoders(request);
        using RequestGate.Lease lease = await _gate.EnterAsync(cancellationToken).ConfigureAwait(false);
        CancellationToken token = lease.Token;
        PreparedPrompt prompt = await PrepareAsync(request, token).ConfigureAwait(false);
        var streamer = new ResponseStreamer(Tokenizer, request.Options, Tokenizer.EndOfTurnTokenIds, prompt.Ids.Length, LoadTime, started);
        foreach ((string stage, TimeSpan time) in prompt.Stages)
        {
            streamer.Stages[stage] = time;
        }

        var sampler = new TokenSampler(request.Options, prompt.Ids);
        using var runOptions = new RunOptions();
        using CancellationTokenRegistration abort = token.Register(() => runOptions.Terminate = true);
        await default(ThreadPoolHop);
        using var loop = new DecoderLoop(_decoder, runOptions, _config.ContextLength, token);
        int next = sampler.Next(loop.Prefill(prompt));
        TimeSpan prefillRun = loop.RunTime;
        streamer.Stages["embed"] = loop.PromptEmbedTime;
        streamer.Stages["prefill"] = prefillRun;
        while (true)
        {
            streamer.Stages["decode_run"] = loop.RunTime - prefillRun;
            streamer.Stages["sample"] = sampler.Time;
            yield return streamer.OnToken(next);
            if (streamer.Finish is not null)
            {
                break;
            }

            if (loop.Length >= _config.ContextLength)
            {
                yield return streamer.OnContextFull();
                break;
            }

            token.ThrowIfCancellationRequested();
            await default(ThreadPoolHop);
            next = sampler.Next(loop.Step(next));
        }
    }

    /// <summary>
    /// Frees every session. Requests still running are cancelled (their streams end with
    /// <see cref="OperationCanceledException"/>) and awaited first; if one does not stop within 30 seconds (a consumer
    /// that stopped reading without disposing its enumerator), the native memory is left to the process rather than
    /// freed under it.
    /// </summary>
    public void Dispose()
    {
        if (!_gate.Close(TimeSpan.FromSeconds(30)))
        {
            return;
        }

        _decoder.Dispose();
        _vision?.Dispose();
        _audio?.Dispose();
        _gate.Dispose();
    }

    private static MultimodalEngine Load(string path, QwenModelOptions options)
    {
        long started = Stopwatch.GetTimestamp();
        ModelFolder folder = ModelFolder.Inspect(path);
        if (folder.Layout != ModelLayout.OnnxCommunity)
        {
            throw new InvalidModelException(folder.Path, "the multimodal engine needs an onnx-community folder (config.json and onnx/).");
        }

        MultimodalModelConfig config = MultimodalModelConfig.Read(folder.Path);
        QwenTokenizer tokenizer = QwenTokenizer.FromFolder(folder.Path);
        var opened = new List<IDisposable>();
        try
        {
            DirectSession embed = OpenGraph(folder.Path, "embed_tokens", options, out ExecutionProvider provider);
            opened.Add(embed);
            DirectSession decoderSession = OpenGraph(folder.Path, "decoder_model_merged", options, out _);
            opened.Add(decoderSession);
            var decoder = new DecoderGraph(embed, decoderSession, folder.Path);
            QwenVisionEncoder? vision = folder.HasVisionEncoder ? QwenVisionEncoder.Open(folder.Path, options) : null;
            opened.Add(vision!);
            QwenAudioEncoder? audio = folder.HasAudioEncoder ? QwenAudioEncoder.Open(folder.Path, options) : null;
            return new MultimodalEngine(folder, config, tokenizer, decoder, vision, audio, provider, options) { LoadTime = Stopwatch.GetElapsedTime(started) };
        }
        catch
        {
            foreach (IDisposable d in opened.Where(d => d is not null))
            {
                d.Dispose();
            }

            throw;
        }
    }

    private static DirectSession OpenGraph(string folder, string name, QwenModelOptions options, out ExecutionProvider provider)
    {
        string path = OnnxCommunityGraphs.Find(folder, name, options.GraphVariant)
            ?? throw new InvalidModelException(folder, $"onnx/{name}*.onnx is missing. Download the complete export.");
        return OnnxSessions.OpenDirect(path, options, out provider);
    }

    private void RejectMissingEncoders(QwenChatRequest request)
    {
        if (_vision is null && request.Images.Any())
        {
            throw new UnsupportedModalityException(Folder.Name, "image", "vision encoder");
        }

        if (_audio is null && request.Audios.Any())
        {
            throw new UnsupportedModalityException(Folder.Name, "audio", "audio encoder");
        }
    }

    /// <summary>
    /// The prompt a request becomes, without running any encoder: rendered text, expanded ids, position ids (three
    /// rows for M-RoPE decoders) and the image and audio token counts.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Abandons preprocessing.</param>
    public async Task<PromptInspection> InspectPromptAsync(QwenChatRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        RejectMissingEncoders(request);
        (string text, int[] ids, long[] positions, long delta, List<ProcessedImage> images, List<ProcessedAudio> audios) = await BuildAsync(request, cancellationToken).ConfigureAwait(false);
        images.ForEach(i => i.Dispose());
        return new PromptInspection(text, ids, positions, _decoder.ThreeRowPositions ? 3 : 1, delta, [.. images.Select(i => i.TokenCount)], [.. audios.SelectMany(a => a.TokenCounts)]);
    }

    private async Task<PreparedPrompt> PrepareAsync(QwenChatRequest request, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        (_, int[] ids, long[] positions, long ropeDelta, List<ProcessedImage> images, List<ProcessedAudio> audios) = await BuildAsync(request, cancellationToken).ConfigureAwait(false);
        var stages = new Dictionary<string, TimeSpan> { ["preprocess"] = Stopwatch.GetElapsedTime(started) };
        try
        {
            started = Stopwatch.GetTimestamp();
            float[] imageFeatures = images.Count == 0 ? [] : _vision!.Encode(images);
            stages["vision"] = Stopwatch.GetElapsedTime(started);
            started = Stopwatch.GetTimestamp();
            float[] audioFeatures = audios.Count == 0 ? [] : [.. audios.SelectMany(_audio!.Encode)];
            stages["audio"] = Stopwatch.GetElapsedTime(started);
            return new PreparedPrompt(ids, positions, ropeDelta, imageFeatures, audioFeatures, _config.ImageTokenId, _audio is null ? -1 : _config.AudioTokenId, stages);
        }
        finally
        {
            images.ForEach(i => i.Dispose());
        }
    }

    /// <summary>Preprocesses the media, renders and tokenises the prompt, expands the pads and computes positions.</summary>
    private async Task<(string Text, int[] Ids, long[] Positions, long RopeDelta, List<ProcessedImage> Images, List<ProcessedAudio> Audios)> BuildAsync(QwenChatRequest request, CancellationToken cancellationToken)
    {
        var images = new List<ProcessedImage>();
        var audios = new List<ProcessedAudio>();
        try
        {
            foreach (ImagePart image in request.Images)
            {
                images.Add(await _imageProcessor!.ProcessAsync(image, cancellationToken).ConfigureAwait(false));
            }

            foreach (AudioPart audio in request.Audios)
            {
                audios.Add(await _audioProcessor!.ProcessAsync(audio, cancellationToken).ConfigureAwait(false));
            }

            string text = ChatMlPrompt.Render(request.Messages, [.. audios.Select(a => a.Segments)]);
            int[] ids = Expand(Tokenizer.Encode(text), images, audios);
            if (ids.Length >= _config.ContextLength)
            {
                throw new PromptTooLongException(ids.Length, _config.ContextLength);
            }

            (long[] positions, long ropeDelta) = _decoder.ThreeRowPositions
                ? MropePositions.Compute(ids, new HashSet<int> { _config.ImageTokenId, _config.VideoTokenId }, [.. images.Select(i => new VisionGrid(i.GridT, i.GridH, i.GridW))], _config.MergeSize, _config.TokensPerSecond)
                : ([.. Enumerable.Range(0, ids.Length).Select(i => (long)i)], 0);
            return (text, ids, positions, ropeDelta, images, audios);
        }
        catch
        {
            images.ForEach(i => i.Dispose());
            throw;
        }
    }

    /// <summary>Replaces each single image pad and audio pad by as many pads as the image or segment has feature rows.</summary>
    private int[] Expand(IReadOnlyList<int> ids, List<ProcessedImage> images, List<ProcessedAudio> audios)
    {
        var imageCounts = new Queue<int>(images.Select(i => i.TokenCount));
        var audioCounts = new Queue<int>(audios.SelectMany(a => a.TokenCounts));
        int imagePads = ids.Count(id => id == _config.ImageTokenId);
        int audioPads = _audio is null ? 0 : ids.Count(id => id == _config.AudioTokenId);
        if (imagePads != imageCounts.Count || audioPads != audioCounts.Count)
        {
            throw new ArgumentException($"The prompt has {imagePads} image and {audioPads} audio placeholders for {images.Count} images and {audioCounts.Count} audio segments; remove placeholder tokens typed into the text.");
        }

        var expanded = new List<int>(ids.Count + imageCounts.Sum() + audioCounts.Sum());
        foreach (int id in ids)
        {
            int copies = id == _config.ImageTokenId ? imageCounts.Dequeue() : _audio is not null && id == _config.AudioTokenId ? audioCounts.Dequeue() : 1;
            for (int c = 0; c < copies; c++)
            {
                expanded.Add(id);
            }
        }

        return [.. expanded];
    }
}
