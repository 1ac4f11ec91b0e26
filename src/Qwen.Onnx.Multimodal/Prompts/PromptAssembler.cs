using Qwen.Onnx.Audio;
using Qwen.Onnx.Audio.Features;
using Qwen.Onnx.Multimodal.Positions;
using Qwen.Onnx.Prompts;
using Qwen.Onnx.Tokenization;
using Qwen.Onnx.Vision.Preprocessing;

namespace Qwen.Onnx.Multimodal.Prompts;

/// <summary>An image or a video, preprocessed, in prompt order.</summary>
/// <param name="Pixels">Its pixel_values and grid.</param>
/// <param name="IsVideo">Whether its pads are video pads.</param>
/// <param name="SecondsPerGrid">Seconds per temporal patch for M-RoPE time scaling (0: none).</param>
internal sealed record VisionInput(ProcessedImage Pixels, bool IsVideo, double SecondsPerGrid);

/// <summary>A request's prompt before any encoder ran: text, expanded ids, positions and the preprocessed media.</summary>
internal sealed record AssembledPrompt(string Text, int[] Ids, long[] Positions, long RopeDelta, List<VisionInput> Vision, List<ProcessedAudio> Audios);

/// <summary>
/// Turns a request into the decoder's prompt: preprocesses images, videos and audio in prompt order, renders the
/// prompt (ChatML, or the model's own template for text-only exports), expands each placeholder to one pad per feature row, and computes the position ids.
/// </summary>
internal sealed class PromptAssembler(string modelName, MultimodalModelConfig config, QwenTokenizer tokenizer, QwenImageProcessor? imageProcessor, QwenAudioProcessor? audioProcessor, bool threeRowPositions, IChatTemplate? template)
{
    /// <summary>Preprocesses the media, renders and tokenises the prompt, expands the pads and computes positions.</summary>
    public async Task<AssembledPrompt> AssembleAsync(QwenChatRequest request, CancellationToken cancellationToken)
    {
        var vision = new List<VisionInput>();
        var audios = new List<ProcessedAudio>();
        try
        {
            foreach (ContentPart part in request.Messages.SelectMany(m => m.Parts))
            {
                switch (part)
                {
                    case ImagePart image:
                        vision.Add(new VisionInput(await imageProcessor!.ProcessAsync(image, cancellationToken).ConfigureAwait(false), false, 0));
                        break;
                    case VideoPart video:
                        double secondsPerGrid = SecondsPerGrid(video);
                        vision.Add(new VisionInput(await imageProcessor!.ProcessVideoAsync(video, cancellationToken).ConfigureAwait(false), true, secondsPerGrid));
                        break;
                    case AudioPart audio:
                        audios.Add(await audioProcessor!.ProcessAsync(audio, cancellationToken).ConfigureAwait(false));
                        break;
                    default:
                        break;
                }
            }

            string text = template?.Render(request) ?? ChatMlPrompt.Render(request.Messages, [.. audios.Select(a => a.Segments)]);
            int[] ids = Expand(tokenizer.Encode(text), vision, audios);
            if (ids.Length >= config.ContextLength)
            {
                throw new PromptTooLongException(ids.Length, config.ContextLength);
            }

            (long[] positions, long ropeDelta) = threeRowPositions
                ? MropePositions.Compute(ids, new HashSet<int> { config.ImageTokenId, config.VideoTokenId }, [.. vision.Select(v => new VisionGrid(v.Pixels.GridT, v.Pixels.GridH, v.Pixels.GridW, v.SecondsPerGrid))], config.MergeSize, config.TokensPerSecond)
                : ([.. Enumerable.Range(0, ids.Length).Select(i => (long)i)], 0);
            return new AssembledPrompt(text, ids, positions, ropeDelta, vision, audios);
        }
        catch
        {
            vision.ForEach(v => v.Pixels.Dispose());
            throw;
        }
    }

    /// <summary>
    /// Qwen2.5-VL spaces a video's temporal positions by seconds per temporal patch (temporal patch size / fps);
    /// Qwen2-VL counts temporal patches (0 = no scaling).
    /// </summary>
    private double SecondsPerGrid(VideoPart video)
    {
        if (config.ModelType.StartsWith("qwen3", StringComparison.Ordinal))
        {
            throw new UnsupportedRequestException($"Model '{modelName}' is a Qwen3-VL export; its videos need per-frame timestamps in the prompt, which Qwen.Onnx does not render yet. Send the frames as images instead.");
        }

        return config.ModelType == "qwen2_5_vl" ? imageProcessor!.Options.TemporalPatchSize / video.FramesPerSecond : 0;
    }

    /// <summary>Replaces each single image, video and audio pad by as many pads as its input has feature rows.</summary>
    private int[] Expand(IReadOnlyList<int> ids, List<VisionInput> vision, List<ProcessedAudio> audios)
    {
        var counts = new Dictionary<int, Queue<int>>
        {
            [config.ImageTokenId] = new(vision.Where(v => !v.IsVideo).Select(v => v.Pixels.TokenCount)),
            [config.VideoTokenId] = new(vision.Where(v => v.IsVideo).Select(v => v.Pixels.TokenCount)),
        };
        var kinds = new Dictionary<int, string> { [config.ImageTokenId] = "images", [config.VideoTokenId] = "videos" };
        if (audioProcessor is not null)
        {
            counts[config.AudioTokenId] = new(audios.SelectMany(a => a.TokenCounts));
            kinds[config.AudioTokenId] = "audio segments";
        }

        foreach ((int token, Queue<int> queue) in counts)
        {
            int pads = ids.Count(id => id == token);
            if (pads != queue.Count)
            {
                throw new PlaceholderInTextException(tokenizer.Decode([token]), pads, queue.Count, kinds[token]);
            }
        }

        var expanded = new List<int>(ids.Count + counts.Values.Sum(q => q.Sum()));
        foreach (int id in ids)
        {
            int copies = counts.TryGetValue(id, out Queue<int>? queue) ? queue.Dequeue() : 1;
            for (int c = 0; c < copies; c++)
            {
                expanded.Add(id);
            }
        }

        return [.. expanded];
    }
}
