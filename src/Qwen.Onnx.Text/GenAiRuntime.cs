using Microsoft.ML.OnnxRuntimeGenAI;

namespace Qwen.Onnx.Text;

/// <summary>GenAI wants one <see cref="OgaHandle"/> per process, created before the first model and disposed last.</summary>
internal static class GenAiRuntime
{
    private static readonly Lazy<OgaHandle> Handle = new(() =>
    {
        var handle = new OgaHandle();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => handle.Dispose();
        return handle;
    });

    public static void EnsureInitialized() => _ = Handle.Value;
}
