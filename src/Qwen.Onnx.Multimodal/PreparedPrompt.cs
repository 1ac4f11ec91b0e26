namespace Qwen.Onnx.Multimodal;

/// <summary>A prompt ready for prefill: expanded ids, positions, and the encoder features that replace the pads.</summary>
internal sealed record PreparedPrompt(int[] Ids, long[] Positions, long RopeDelta, float[] ImageFeatures, float[] AudioFeatures, int ImageTokenId, int AudioTokenId, IReadOnlyDictionary<string, TimeSpan> Stages);
