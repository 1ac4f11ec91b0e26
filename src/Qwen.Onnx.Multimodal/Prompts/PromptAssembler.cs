using Qwen.Onnx.Audio;
using Qwen.Onnx.Audio.Features;
using Qwen.Onnx.Multimodal.Families;
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
/// prompt as the model's family does, expands each placeholder to one pad per feature row, and computes the position ids.
/// </summary>
internal sealed class PromptAssembler(string modelName, ModelFamily family, QwenTokenizer tokenizer, QwenImageProcessor? imageProcessor, QwenAudioProcessor? audioProcessor)
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
                        double secondsPerGrid = family.SecondsPerGrid(video, imageProcessor!.Options.TemporalPatchSize, modelName);
                        vision.Add(new VisionInput(await imageProcessor!.ProcessVideoAsync(video, cancellationToken).ConfigureAwait(false), true, secondsPerGrid));
                        break;
                    case AudioPart audio:
                        audios.Add(await audioProcessor!.ProcessAsync(audio, cancellationToken).ConfigureAwait(false));
                        break;
                    default:
                        break;
                }
            }

            string text = family.Render(request, [.. audios.Select(a => a.Segments)]);
            int[] ids = Expand(tokenizer.Encode(text), vision, audios);
            if (ids.Length >= family.ContextLength)
            {
                throw new PromptTooLongException(ids.Length, family.ContextLength);
            }

            (long[] positions, long ropeDelta) = family.Positions(ids, vision);
            return new AssembledPrompt(text, ids, positions, ropeDelta, vision, audios);
        }
        catch
        {
            vision.ForEach(v => v.Pixels.Dispose());
            throw;
        }
    }

    /// <summary>Replaces each single image, video and audio pad by as many pads as its input has feature rows.</summary>
    private int[] Expand(IReadOnlyList<int> ids, List<VisionInput> vision, List<ProcessedAudio> audios)
    {
        var counts = new Dictionary<int, Queue<int>>
        {
            [family.ImagePadId] = new(vision.Where(v => !v.IsVideo).Select(v => v.Pixels.TokenCount)),
            [family.VideoPadId] = new(vision.Where(v => v.IsVideo).Select(v => v.Pixels.TokenCount)),
        };
        var kinds = new Dictionary<int, string> { [family.ImagePadId] = "images", [family.VideoPadId] = "videos" };
        if (audioProcessor is not null)
        {
            counts[family.AudioPadId] = new(audios.SelectMany(a => a.TokenCounts));
            kinds[family.AudioPadId] = "audio segments";
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
