using System.Numerics.Tensors;
using Qwen.Onnx.Runtime.Direct;

namespace Qwen.Onnx.Multimodal;

/// <summary>
/// Puts encoder output into the prompt: each image, video or audio feature row replaces the embedding of its pad
/// token, in prompt order (float16 embeddings are widened for the copy and narrowed back, which is lossless for the
/// rows left alone). A count mismatch between pads and rows is an error naming both.
/// </summary>
internal static class EncoderFeatures
{
    /// <summary>Writes the encoders' feature rows over the embeddings of their placeholder tokens, in order.</summary>
    /// <param name="prompt">The whole prompt and its features.</param>
    /// <param name="embedded">The embeddings of the prompt's positions from <paramref name="first"/> on (a reused cached prefix is not embedded again).</param>
    /// <param name="first">The first position <paramref name="embedded"/> holds.</param>
    /// <param name="hidden">The embedding width.</param>
    /// <param name="halfPrecision">Whether the embeddings are float16.</param>
    /// <param name="folder">The model folder, for errors.</param>
    /// <exception cref="InvalidModelException">The encoders returned another number of rows than the prompt has pads: the export does not match its config.</exception>
    public static void Merge(PreparedPrompt prompt, NativeTensor embedded, int first, int hidden, bool halfPrecision, string folder)
    {
        if (!halfPrecision)
        {
            Span<float> embeds = embedded.GetData<float>();
            Merge(prompt.Ids, first, embeds, hidden, prompt.VisionTokenIds, prompt.VisionFeatures, folder);
            Merge(prompt.Ids, first, embeds, hidden, prompt.AudioTokenIds, prompt.AudioFeatures, folder);
            return;
        }

        Span<Half> half = embedded.GetData<Half>();
        var widened = new float[half.Length];
        TensorPrimitives.ConvertToSingle(half, widened);
        Merge(prompt.Ids, first, widened, hidden, prompt.VisionTokenIds, prompt.VisionFeatures, folder);
        Merge(prompt.Ids, first, widened, hidden, prompt.AudioTokenIds, prompt.AudioFeatures, folder);
        TensorPrimitives.ConvertToHalf(widened, half);
    }

    private static void Merge(int[] ids, int first, Span<float> embeds, int hidden, int[] padIds, float[] features, string folder)
    {
        int rows = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            if (padIds.Contains(ids[i]))
            {
                if ((rows + 1) * hidden > features.Length)
                {
                    throw new InvalidModelException(folder, $"the prompt has more placeholder tokens ({string.Join('/', padIds)}) than the encoder returned feature rows ({features.Length / Math.Max(hidden, 1)}); the export's hidden size or merge size does not match its config.");
                }

                if (i >= first)
                {
                    features.AsSpan(rows * hidden, hidden).CopyTo(embeds.Slice((i - first) * hidden, hidden));
                }

                rows++;
            }
        }

        if (rows * hidden != features.Length)
        {
            throw new InvalidModelException(folder, $"the encoder returned {features.Length / Math.Max(hidden, 1)} feature rows for {rows} placeholder tokens ({string.Join('/', padIds)}); the export's hidden size or merge size does not match its config.");
        }
    }
}
