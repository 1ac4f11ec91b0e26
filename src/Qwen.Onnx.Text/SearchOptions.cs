using Microsoft.ML.OnnxRuntimeGenAI;

namespace Qwen.Onnx.Text;

/// <summary>Maps <see cref="GenerationOptions"/> onto GenAI's search options.</summary>
internal static class SearchOptions
{
    public static void Apply(GeneratorParams parameters, GenerationOptions options, int maxLength)
    {
        parameters.SetSearchOption("max_length", maxLength);
        parameters.SetSearchOption("do_sample", options.IsSampling);
        if (options.IsSampling)
        {
            parameters.SetSearchOption("temperature", options.Temperature ?? 1f);
            parameters.SetSearchOption("top_k", options.TopK ?? GenerationOptions.DefaultTopK);
            parameters.SetSearchOption("top_p", options.TopP ?? 1f);
        }

        if (options.RepetitionPenalty is float penalty)
        {
            parameters.SetSearchOption("repetition_penalty", penalty);
        }

        if (options.Seed is int seed)
        {
            parameters.SetSearchOption("random_seed", seed);
        }
    }
}
