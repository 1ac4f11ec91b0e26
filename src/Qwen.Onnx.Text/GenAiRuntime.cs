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

    /// <exception cref="QwenOnnxException">No GenAI native runtime package is installed in the application.</exception>
    public static void EnsureInitialized()
    {
        try
        {
            _ = Handle.Value;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            throw new QwenOnnxException(
                "The ONNX Runtime GenAI native library could not be loaded. Add exactly one runtime package to the application: " +
                "Microsoft.ML.OnnxRuntimeGenAI (CPU), Microsoft.ML.OnnxRuntimeGenAI.Cuda or Microsoft.ML.OnnxRuntimeGenAI.DirectML, and build for a supported platform (x64 or arm64). " +
                $"Runtime error: {e.Message}",
                e);
        }
    }
}
