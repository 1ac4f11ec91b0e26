using Microsoft.Extensions.Logging;

namespace Qwen.Onnx.Runtime;

/// <summary>Log messages of the ONNX Runtime sessions (source-generated).</summary>
internal static partial class RuntimeLog
{
    [LoggerMessage(1, LogLevel.Warning, "The {Provider} execution provider is not available for {Graph} ({Reason}); running it on the CPU instead.")]
    public static partial void FellBackToCpu(this ILogger logger, ExecutionProvider provider, string graph, string reason);

    [LoggerMessage(2, LogLevel.Debug, "Opened {Graph} on {Provider}.")]
    public static partial void Opened(this ILogger logger, string graph, ExecutionProvider provider);
}
