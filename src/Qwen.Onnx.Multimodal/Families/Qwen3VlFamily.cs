namespace Qwen.Onnx.Multimodal.Families;

/// <summary>Qwen3-VL: images as Qwen2-VL; videos need per-frame timestamps in the prompt, which are not rendered yet, so they are refused.</summary>
internal sealed class Qwen3VlFamily(MultimodalModelConfig config, bool threeRowPositions) : ChatMlFamily(config, threeRowPositions)
{
    /// <inheritdoc />
    public override double SecondsPerGrid(VideoPart video, int temporalPatchSize, string modelName) =>
        throw new UnsupportedRequestException($"Model '{modelName}' is a Qwen3-VL export; its videos need per-frame timestamps in the prompt, which Qwen.Onnx does not render yet. Send the frames as images instead.");
}
