using System.Text;

namespace Qwen.Onnx.Multimodal.Prompts;

/// <summary>
/// Renders a conversation as Qwen-VL's and Qwen2-Audio's chat templates do (both ChatML): a default system prompt
/// "You are a helpful assistant." when the conversation does not start with one, each image as
/// <c>&lt;|vision_start|&gt;&lt;|image_pad|&gt;&lt;|vision_end|&gt;</c> in place (videos alike with
/// <c>&lt;|video_pad|&gt;</c>), each audio segment as
/// <c>Audio N: &lt;|audio_bos|&gt;&lt;|AUDIO|&gt;&lt;|audio_eos|&gt;\n</c> (numbered across the conversation), and the
/// assistant generation prompt. Placeholders hold one pad token each; the engine expands them after tokenising.
/// </summary>
public static class ChatMlPrompt
{
    /// <summary>The system prompt the templates insert when the conversation has none.</summary>
    public const string DefaultSystemPrompt = "You are a helpful assistant.";

    /// <summary>One image placeholder.</summary>
    public const string ImagePlaceholder = "<|vision_start|><|image_pad|><|vision_end|>";

    /// <summary>One video placeholder.</summary>
    public const string VideoPlaceholder = "<|vision_start|><|video_pad|><|vision_end|>";

    /// <summary>Renders the prompt text.</summary>
    /// <param name="messages">The conversation.</param>
    /// <param name="audioSegments">For each audio part in order, how many 30-second segments it has (each gets its own line).</param>
    public static string Render(IReadOnlyList<QwenChatMessage> messages, IReadOnlyList<int>? audioSegments = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var text = new StringBuilder();
        int audioPart = 0, audioNumber = 0;
        for (int m = 0; m < messages.Count; m++)
        {
            QwenChatMessage message = messages[m];
            if (m == 0 && message.Role != QwenChatRole.System)
            {
                text.Append("<|im_start|>system\n").Append(DefaultSystemPrompt).Append("<|im_end|>\n");
            }

            text.Append("<|im_start|>").Append(message.Role.ToString().ToLowerInvariant()).Append('\n');
            AppendParts(text, message.Parts, audioSegments, ref audioPart, ref audioNumber);
            text.Append("<|im_end|>\n");
        }

        return text.Append("<|im_start|>assistant\n").ToString();
    }

    /// <summary>Appends a message's parts in order, media as placeholders.</summary>
    /// <param name="text">The prompt so far.</param>
    /// <param name="parts">The parts.</param>
    /// <param name="audioSegments">For each audio part of the conversation in order, its number of 30-second segments (null: one each).</param>
    /// <param name="audioPart">How many audio parts of the conversation came before.</param>
    /// <param name="audioNumber">How many audio lines the conversation has numbered so far.</param>
    internal static void AppendParts(StringBuilder text, IReadOnlyList<ContentPart> parts, IReadOnlyList<int>? audioSegments, ref int audioPart, ref int audioNumber)
    {
        foreach (ContentPart part in parts)
        {
            switch (part)
            {
                case TextPart t:
                    text.Append(t.Text);
                    break;
                case ImagePart:
                    text.Append(ImagePlaceholder);
                    break;
                case VideoPart:
                    text.Append(VideoPlaceholder);
                    break;
                case AudioPart:
                    int segments = audioSegments is null ? 1 : audioSegments[audioPart];
                    audioPart++;
                    for (int s = 0; s < segments; s++)
                    {
                        text.Append("Audio ").Append(++audioNumber).Append(": <|audio_bos|><|AUDIO|><|audio_eos|>\n");
                    }

                    break;
                default:
                    throw new ArgumentException($"Unknown content part {part.GetType().Name}.", nameof(parts));
            }
        }
    }
}
