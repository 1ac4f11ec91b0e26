using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Qwen.Onnx.Multimodal.Caching;

/// <summary>
/// What produced each prompt position, as one number: the token id for text, and for an image, video or audio pad a
/// 64-bit hash of the feature row that replaces its embedding (negative, so it never equals an id). Two prompts with
/// equal keys up to n have equal embeddings and positions up to n, so a KV cache of one serves the other.
/// </summary>
internal static class PromptKeys
{
    public static long[] Compute(int[] ids, int[] visionPads, float[] visionFeatures, int[] audioPads, float[] audioFeatures)
    {
        int visionWidth = RowWidth(ids, visionPads, visionFeatures), audioWidth = RowWidth(ids, audioPads, audioFeatures);
        var keys = new long[ids.Length];
        int visionRow = 0, audioRow = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            keys[i] = visionPads.Contains(ids[i]) ? Hash(visionFeatures, visionWidth, visionRow++)
                : audioPads.Contains(ids[i]) ? Hash(audioFeatures, audioWidth, audioRow++)
                : ids[i];
        }

        return keys;
    }

    // A mismatch between pads and feature rows is reported when the features are merged; here it only narrows rows.
    private static int RowWidth(int[] ids, int[] pads, float[] features)
    {
        int count = ids.Count(pads.Contains);
        return count == 0 ? 0 : features.Length / count;
    }

    private static long Hash(float[] features, int width, int row) =>
        (long)(XxHash3.HashToUInt64(MemoryMarshal.AsBytes(features.AsSpan(row * width, width))) | (1UL << 63));
}
