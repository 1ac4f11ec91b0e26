using Qwen.Onnx.Multimodal.Prompts;

namespace Qwen.Onnx.Multimodal.Families;

/// <summary>
/// Qwen2.5-VL: Qwen2-VL's prompts with the template's tool branches (<see cref="Qwen25VlPrompt"/>), and a video's
/// temporal positions spaced by seconds per temporal patch.
/// </summary>
internal sealed class Qwen25VlFamily(MultimodalModelConfig config, bool threeRowPositions) : ChatMlFamily(config, threeRowPositions)
{
    /// <inheritdoc />
    public override string Render(QwenChatRequest request, IReadOnlyList<int> audioSegments) => Qwen25VlPrompt.Render(request.Messages, request.Tools);

    /// <inheritdoc />
    public override void RejectUnsupported(QwenChatRequest request, string modelName)
    {
        // The template renders tools, earlier calls and their results; media the model has no encoder for the engine refuses.
    }

    /// <inheritdoc />
    public override double SecondsPerGrid(VideoPart video, int temporalPatchSize, string modelName) => temporalPatchSize / video.FramesPerSecond;
}
