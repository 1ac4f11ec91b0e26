namespace Qwen.Onnx.Multimodal.Families;

/// <summary>Qwen2.5-VL: Qwen2-VL's prompts, with a video's temporal positions spaced by seconds per temporal patch.</summary>
internal sealed class Qwen25VlFamily(MultimodalModelConfig config, bool threeRowPositions) : ChatMlFamily(config, threeRowPositions)
{
    /// <inheritdoc />
    public override double SecondsPerGrid(VideoPart video, int temporalPatchSize, string modelName) => temporalPatchSize / video.FramesPerSecond;
}
