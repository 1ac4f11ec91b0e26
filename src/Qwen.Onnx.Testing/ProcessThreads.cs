using System.Diagnostics;

namespace Qwen.Onnx.Testing;

/// <summary>
/// The operating-system threads of this process. ONNX Runtime starts a session's intra-op pool of N − 1 worker
/// threads when the session is created, so the count shows whether a thread option reached ONNX Runtime.
/// </summary>
public static class ProcessThreads
{
    /// <summary>How many threads the process has now.</summary>
    public static int Count()
    {
        using var process = Process.GetCurrentProcess();
        return process.Threads.Count;
    }
}
