using Microsoft.ML.OnnxRuntimeGenAI;

namespace Qwen.Onnx.Text;

/// <summary>Puts an execution provider into a GenAI <see cref="Config"/> and recognises the runtime's "provider missing" errors.</summary>
internal static class ProviderSetup
{
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
        && ProviderErrorSignatures.MeanUnavailable(e.Message);
}
