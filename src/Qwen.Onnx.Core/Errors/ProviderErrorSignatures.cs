namespace Qwen.Onnx;

/// <summary>
/// Recognises the runtime errors that mean "this execution provider cannot run here" (its library is missing or not
/// built in), as opposed to errors of the model itself: only the former may fall back to the CPU.
/// </summary>
internal static class ProviderErrorSignatures
{
    // Messages ONNX Runtime 1.31 and GenAI 0.18 give when a provider's native library is not installed or not built in.
    private static readonly string[] Unavailable =
    [
        "interface not available",
        "Failed to load library",
        "has not been built with",
        "is not supported in this build",
        "is not enabled in this build",
        "Unknown provider",
        "Specified provider is not supported",
        "cannot open shared object file",
        "Error loading",
        "CUDA failure",
        "no CUDA-capable device",
    ];

    public static bool MeanUnavailable(string message) => Unavailable.Any(s => message.Contains(s, StringComparison.OrdinalIgnoreCase));
}
