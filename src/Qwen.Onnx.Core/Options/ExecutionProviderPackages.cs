namespace Qwen.Onnx;

/// <summary>Which NuGet runtime packages give an application each execution provider.</summary>
public static class ExecutionProviderPackages
{
    /// <summary>The ONNX Runtime GenAI package that carries the provider's native text-generation library.</summary>
    /// <param name="provider">The provider.</param>
    public static string GenAiPackage(ExecutionProvider provider) => provider switch
    {
        ExecutionProvider.Cuda => "Microsoft.ML.OnnxRuntimeGenAI.Cuda",
        ExecutionProvider.DirectML => "Microsoft.ML.OnnxRuntimeGenAI.DirectML",
        _ => "Microsoft.ML.OnnxRuntimeGenAI",
    };

    /// <summary>The ONNX Runtime package that carries the provider's native library (vision and audio encoders).</summary>
    /// <param name="provider">The provider.</param>
    public static string OnnxRuntimePackage(ExecutionProvider provider) => provider switch
    {
        ExecutionProvider.Cuda => "Microsoft.ML.OnnxRuntime.Gpu",
        ExecutionProvider.DirectML => "Microsoft.ML.OnnxRuntime.DirectML",
        _ => "Microsoft.ML.OnnxRuntime",
    };

    /// <summary>The short name used on command lines and in reports: cpu, cuda or dml.</summary>
    /// <param name="provider">The provider.</param>
    public static string ShortName(ExecutionProvider provider) => provider switch
    {
        ExecutionProvider.Cuda => "cuda",
        ExecutionProvider.DirectML => "dml",
        _ => "cpu",
    };

    /// <summary>Parses cpu, cuda, dml or directml (any case).</summary>
    /// <param name="name">The name.</param>
    /// <exception cref="ArgumentException">The name is none of these.</exception>
    public static ExecutionProvider Parse(string name) => name.Trim().ToUpperInvariant() switch
    {
        "CPU" => ExecutionProvider.Cpu,
        "CUDA" => ExecutionProvider.Cuda,
        "DML" or "DIRECTML" => ExecutionProvider.DirectML,
        _ => throw new ArgumentException($"Unknown device '{name}'. Use cpu, cuda or dml.", nameof(name)),
    };
}
