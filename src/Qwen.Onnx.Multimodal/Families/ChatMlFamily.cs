using Qwen.Onnx.Multimodal.Prompts;

namespace Qwen.Onnx.Multimodal.Families;

/// <summary>
/// Qwen2-VL and Qwen2-Audio (and ChatML exports of other types): the ChatML templates of <see cref="ChatMlPrompt"/>,
/// video positions counting temporal patches, and no tool section (neither template has one; Qwen2.5-VL's has).
/// </summary>
internal class ChatMlFamily(MultimodalModelConfig config, bool threeRowPositions) : ModelFamily(config, threeRowPositions)
{
    /// <inheritdoc />
    public override string Render(QwenChatRequest request, IReadOnlyList<int> audioSegments) => ChatMlPrompt.Render(request.Messages, audioSegments);

    /// <inheritdoc />
    public override void RejectUnsupported(QwenChatRequest request, string modelName)
    {
        if (request.Tools.Count > 0 || request.Messages.Any(m => m.ToolCalls.Count > 0))
        {
            throw new UnsupportedRequestException($"Model '{modelName}': tool calling needs a model whose chat template renders tools (Qwen2.5-VL, GenAI text exports, onnx-community text exports); the chat templates of Qwen2-VL and Qwen2-Audio have no tool section.");
        }
    }
}
