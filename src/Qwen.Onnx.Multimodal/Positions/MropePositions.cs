namespace Qwen.Onnx.Multimodal.Positions;

/// <summary>A vision block in a prompt: where its pad tokens start and its grid (t, h, w in patches).</summary>
/// <param name="GridT">Temporal patches.</param>
/// <param name="GridH">Patches down.</param>
/// <param name="GridW">Patches across.</param>
/// <param name="SecondsPerGrid">Seconds per temporal patch (videos on Qwen2.5-VL); 0 for images.</param>
public readonly record struct VisionGrid(int GridT, int GridH, int GridW, double SecondsPerGrid = 0);

/// <summary>
/// Qwen-VL's three-row rotary positions (temporal, height, width) for one prompt, as Hugging Face's v4
/// <c>get_rope_index</c> computes them: text tokens count up on all three rows; each vision block, starting after
/// the preceding text, spans its merged grid (t, h/2, w/2) with row offsets; text after a block resumes at the
/// block's largest position plus one. Qwen2.5-VL scales the temporal row of videos by seconds × tokens per second.
/// </summary>
public static class MropePositions
{
    /// <summary>Computes position_ids [3, S] (row-major) and the rope delta (largest position + 1 − S).</summary>
    /// <param name="inputIds">The prompt, with one pad token per merged vision patch.</param>
    /// <param name="padTokenIds">The ids that mark vision pads (image pad, video pad).</param>
    /// <param name="grids">The vision blocks in prompt order.</param>
    /// <param name="mergeSize">Spatial merge size (2).</param>
    /// <param name="tokensPerSecond">Qwen2.5-VL's temporal scale for videos (2); ignored for images.</param>
    /// <exception cref="ArgumentException">The pad tokens and grids disagree.</exception>
    public static (long[] Positions, long RopeDelta) Compute(ReadOnlySpan<int> inputIds, IReadOnlySet<int> padTokenIds, IReadOnlyList<VisionGrid> grids, int mergeSize = 2, double tokensPerSecond = 2)
    {
        ArgumentNullException.ThrowIfNull(padTokenIds);
        ArgumentNullException.ThrowIfNull(grids);
        int s = inputIds.Length;
        var positions = new long[3 * s];
        long next = 0;
        int i = 0, block = 0;
        while (i < s)
        {
            if (!padTokenIds.Contains(inputIds[i]))
            {
                positions[i] = positions[s + i] = positions[(2 * s) + i] = next++;
                i++;
                continue;
            }

            if (block >= grids.Count)
            {
                throw new ArgumentException($"The prompt has more vision blocks than the {grids.Count} grids given.", nameof(grids));
            }

            VisionGrid grid = grids[block++];
            int gh = grid.GridH / mergeSize, gw = grid.GridW / mergeSize, count = grid.GridT * gh * gw;
            if (i + count > s)
            {
                throw new ArgumentException($"Vision block {block} needs {count} pad tokens but the prompt ends first.", nameof(inputIds));
            }

            long start = next, largest = start;
            for (int n = 0; n < count; n++)
            {
                int ti = n / (gh * gw), hi = n / gw % gh, wi = n % gw;
                long t = grid.SecondsPerGrid > 0 ? (long)(ti * grid.SecondsPerGrid * tokensPerSecond) : ti;
                positions[i + n] = start + t;
                positions[s + i + n] = start + hi;
                positions[(2 * s) + i + n] = start + wi;
                largest = Math.Max(largest, Math.Max(start + t, Math.Max(start + hi, start + wi)));
            }

            i += count;
            next = largest + 1;
        }

        if (block != grids.Count)
        {
            throw new ArgumentException($"The prompt has {block} vision blocks but {grids.Count} grids were given.", nameof(grids));
        }

        return (positions, next - s);
    }
}
