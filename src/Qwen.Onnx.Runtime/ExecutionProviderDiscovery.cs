using Microsoft.ML.OnnxRuntime;

namespace Qwen.Onnx.Runtime;

/// <summary>Which execution providers the installed ONNX Runtime native packages offer on this machine.</summary>
public static class ExecutionProviderDiscovery
{
    /// <summary>
    /// The providers the ONNX Runtime in the application's output can create sessions with; CPU is always there.
    /// CUDA and DirectML appear only when their runtime packages are installed.
    /// </summary>
    public static IReadOnlyList<ExecutionProvider> GetAvailableProviders()
    {
        var found = new List<ExecutionProvider> { ExecutionProvider.Cpu };
        foreach (string name in OrtEnv.Instance().GetAvailableProviders())
        {
            if (name == "CUDAExecutionProvider")
            {
                found.Add(ExecutionProvider.Cuda);
            }
            else if (name == "DmlExecutionProvider")
            {
                found.Add(ExecutionProvider.DirectML);
            }
        }

        return found;
    }
}
