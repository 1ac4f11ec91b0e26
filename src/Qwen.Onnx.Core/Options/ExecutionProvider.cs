namespace Qwen.Onnx;

/// <summary>The hardware that runs the model's ONNX graphs.</summary>
public enum ExecutionProvider
{
    /// <summary>The CPU; always available.</summary>
    Cpu,

    /// <summary>An NVIDIA GPU through CUDA (needs the CUDA builds of ONNX Runtime and GenAI).</summary>
    Cuda,

    /// <summary>Any DirectX 12 GPU on Windows through DirectML (needs the DirectML builds of ONNX Runtime and GenAI).</summary>
    DirectML,
}
