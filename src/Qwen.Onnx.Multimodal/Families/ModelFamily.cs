using Qwen.Onnx.Multimodal.Positions;
using Qwen.Onnx.Multimodal.Prompts;
using Qwen.Onnx.Prompts;

namespace Qwen.Onnx.Multimodal.Families;

/// <summary>
/// Everything that differs between the Qwen families this engine runs: the placeholder token ids, how a request
/// becomes prompt text, the position scheme and the requests the family cannot express. The engine chooses one at
/// load (<see cref="Choose"/>) and asks it, never the model type; a new family (Qwen2.5-Omni, say) is a new subclass
/// and one line in <see cref="Choose"/>.
/// </summary>
internal abstract class ModelFamily(MultimodalModelConfig config, bool threeRowPositions)
{
    /// <summary>The pad id each image feature row replaces.</summary>
    public int ImagePadId => config.ImageTokenId;

    /// <summary>The pad id each video feature row replaces.</summary>
    public int VideoPadId => config.VideoTokenId;

    /// <summary>The pad id each audio feature row replaces.</summary>
    public int AudioPadId => config.AudioTokenId;

    /// <summary>Whether the decoder takes three position rows (M-RoPE: temporal, height, width) rather than one.</summary>
    public bool ThreeRowPositions => threeRowPositions;

    /// <summary>The context length from config.json.</summary>
    public int ContextLength => config.ContextLength;

    /// <summary>The family for a folder: its own chat template when one is given (text-only exports), else by config.json's model_type.</summary>
    public static ModelFamily Choose(MultimodalModelConfig config, bool threeRowPositions, IChatTemplate? template) =>
        template is not null ? new TemplatedTextFamily(config, threeRowPositions, template)
        : config.ModelType switch
        {
            "qwen2_5_vl" => new Qwen25VlFamily(config, threeRowPositions),
            string type when type.StartsWith("qwen3", StringComparison.Ordinal) => new Qwen3VlFamily(config, threeRowPositions),
            // qwen2_vl, qwen2_audio and ChatML exports of other types render and count positions the same way.
            _ => new ChatMlFamily(config, threeRowPositions),
        };

    /// <summary>The prompt text, with one placeholder pad per image and video and one per 30-second audio segment.</summary>
    /// <param name="request">The request.</param>
    /// <param name="audioSegments">For each audio part in order, its number of 30-second segments.</param>
    public abstract string Render(QwenChatRequest request, IReadOnlyList<int> audioSegments);

    /// <summary>Throws a typed error for what this family's prompts cannot express.</summary>
    /// <param name="request">The request.</param>
    /// <param name="modelName">The model's folder name, for the message.</param>
    public abstract void RejectUnsupported(QwenChatRequest request, string modelName);

    /// <summary>Seconds per temporal patch of a video for M-RoPE time scaling (0: positions count patches).</summary>
    /// <param name="video">The video.</param>
    /// <param name="temporalPatchSize">Frames per temporal patch.</param>
    /// <param name="modelName">The model's folder name, for the message of a family that refuses videos.</param>
    public virtual double SecondsPerGrid(VideoPart video, int temporalPatchSize, string modelName) => 0;

    /// <summary>Position ids (row-major [rows, S]) and the rope delta of an expanded prompt.</summary>
    /// <param name="ids">The prompt with one pad per feature row.</param>
    /// <param name="vision">The images and videos in prompt order.</param>
    public (long[] Positions, long RopeDelta) Positions(int[] ids, IReadOnlyList<VisionInput> vision) =>
        threeRowPositions
            ? MropePositions.Compute(ids, new HashSet<int> { ImagePadId, VideoPadId }, [.. vision.Select(v => new VisionGrid(v.Pixels.GridT, v.Pixels.GridH, v.Pixels.GridW, v.SecondsPerGrid))], config.MergeSize, config.TokensPerSecond)
            : (LinearPositions(ids.Length), 0);

    private static long[] LinearPositions(int length)
    {
        var positions = new long[length];
        for (int i = 0; i < length; i++)
        {
            positions[i] = i;
        }

        return positions;
    }
}
