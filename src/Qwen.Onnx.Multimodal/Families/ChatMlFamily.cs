using Qwen.Onnx.Multimodal.Prompts;

namespace Qwen.Onnx.Multimodal.Families;

/// <summary>
/// Qwen2-VL and Qwen2-Audio (and ChatML exports of other types): the ChatML templates of <see cref="ChatMlPrompt"/>,
/// video positions counting temporal patches, and no tool section (neither template has one).
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
            throw new UnsupportedRequestException($"Model '{modelName}': tool calling needs a text model whose own chat template renders the tools (GenAI exports, or onnx-community text exports); this model's ChatML prompts have no tool section.");
        }
    }
}
