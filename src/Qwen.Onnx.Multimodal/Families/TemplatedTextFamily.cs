using Qwen.Onnx.Prompts;

namespace Qwen.Onnx.Multimodal.Families;

/// <summary>A text-only export whose own chat template renders the prompt, tools and thinking switch included.</summary>
internal sealed class TemplatedTextFamily(MultimodalModelConfig config, bool threeRowPositions, IChatTemplate template) : ModelFamily(config, threeRowPositions)
{
    /// <inheritdoc />
    public override string Render(QwenChatRequest request, IReadOnlyList<int> audioSegments) => template.Render(request);

    /// <inheritdoc />
    public override void RejectUnsupported(QwenChatRequest request, string modelName)
    {
        // The engine refuses media this model has no encoder for; everything else the template renders.
    }
}
