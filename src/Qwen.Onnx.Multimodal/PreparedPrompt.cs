namespace Qwen.Onnx.Multimodal;

/// <summary>A prompt ready for prefill: expanded ids, positions, and the encoder features that replace the pads.</summary>
/// <param name="Ids">Token ids with one pad per feature row.</param>
/// <param name="Positions">Position ids, row-major [rows, S].</param>
/// <param name="RopeDelta">Largest position + 1 − S.</param>
/// <param name="VisionFeatures">Image and video features, in prompt order.</param>
/// <param name="AudioFeatures">Audio features, in prompt order.</param>
/// <param name="VisionTokenIds">The pad ids the vision features replace (image and video pad), or none.</param>
/// <param name="AudioTokenIds">The pad id the audio features replace, or none.</param>
/// <param name="Stages">Preprocessing and encoder times.</param>
internal sealed record PreparedPrompt(int[] Ids, long[] Positions, long RopeDelta, float[] VisionFeatures, float[] AudioFeatures, int[] VisionTokenIds, int[] AudioTokenIds, IReadOnlyDictionary<string, TimeSpan> Stages)
{
    /// <summary>What produced each position (<see cref="Caching.PromptKeys"/>), for reusing a cached prefix.</summary>
    public long[] Keys { get; } = Caching.PromptKeys.Compute(Ids, VisionTokenIds, VisionFeatures, AudioTokenIds, AudioFeatures);
}
