namespace Qwen.Onnx.Multimodal;

/// <summary>What the decoder will receive for a request, for comparison with Python reference implementations.</summary>
/// <param name="PromptText">The rendered ChatML text (one placeholder per image, video or audio segment).</param>
/// <param name="InputIds">Token ids after placeholder expansion.</param>
/// <param name="PositionIds">Position ids, row-major [<paramref name="PositionRows"/>, S].</param>
/// <param name="PositionRows">3 for M-RoPE decoders, 1 otherwise.</param>
/// <param name="RopeDelta">Largest position + 1 − S (0 for 1-D positions).</param>
/// <param name="ImageTokens">Image tokens per image, in order.</param>
/// <param name="AudioTokens">Audio tokens per audio segment, in order.</param>
public sealed record PromptInspection(string PromptText, int[] InputIds, long[] PositionIds, int PositionRows, long RopeDelta, IReadOnlyList<int> ImageTokens, IReadOnlyList<int> AudioTokens)
{
    /// <summary>Video tokens per video, in order.</summary>
    public IReadOnlyList<int> VideoTokens { get; init; } = [];
}
