namespace Qwen.Onnx.Extensions.AI;

/// <summary>What <see cref="QwenServiceCollectionExtensions.AddQwenChatClient"/> loads, validated at start-up.</summary>
public sealed class QwenChatClientOptions
{
    /// <summary>The model folder (GenAI or onnx-community layout). Required.</summary>
    public string ModelPath { get; set; } = string.Empty;

    /// <summary>The execution provider. Default CPU.</summary>
    public ExecutionProvider Provider { get; set; } = ExecutionProvider.Cpu;

    /// <summary>CUDA device id or DirectML adapter index.</summary>
    public int DeviceId { get; set; }

    /// <summary>Run on the CPU, with a logged warning, when the provider is unavailable.</summary>
    public bool AllowCpuFallback { get; set; }

    /// <summary>The graph variant of onnx-community folders.</summary>
    public OnnxGraphVariant GraphVariant { get; set; } = OnnxGraphVariant.Auto;

    /// <summary>Requests generating at the same time; <see langword="null"/> (default) for the engine's own (<see cref="QwenModelOptions.MaxConcurrentRequests"/>).</summary>
    public int? MaxConcurrentRequests { get; set; }
}
