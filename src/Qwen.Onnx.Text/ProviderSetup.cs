using Microsoft.ML.OnnxRuntimeGenAI;

namespace Qwen.Onnx.Text;

/// <summary>Puts an execution provider into a GenAI <see cref="Config"/> and recognises the runtime's "provider missing" errors.</summary>
internal static class ProviderSetup
{
    // Messages GenAI 0.18 and ONNX Runtime 1.31 give when a provider's native library is not installed or not built in.
    private static readonly string[] UnavailableSignatures =
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
    ];

    public static void Apply(Config config, ExecutionProvider provider, int deviceId)
    {
        config.ClearProviders();
        switch (provider)
        {
            case ExecutionProvider.Cuda:
                config.AppendProvider("cuda");
                config.SetProviderOption("cuda", "device_id", deviceId.ToString(System.Globalization.CultureInfo.InvariantCulture));
                break;
            case ExecutionProvider.DirectML:
                config.AppendProvider("dml");
                config.SetProviderOption("dml", "device_index", deviceId.ToString(System.Globalization.CultureInfo.InvariantCulture));
                break;
            default:
                break;
        }
    }

    public static bool IsUnavailable(Exception e) =>
        e is OnnxRuntimeGenAIException or DllNotFoundException or EntryPointNotFoundException
        && UnavailableSignatures.Any(s => e.Message.Contains(s, StringComparison.OrdinalIgnoreCase));
}
