using Microsoft.Extensions.Logging;

namespace Qwen.Onnx.Runtime;

/// <summary>Log messages of the ONNX Runtime sessions (source-generated).</summary>
internal static partial class RuntimeLog
{
    [LoggerMessage(1, LogLevel.Warning, "The {Provider} execution provider is not available for {Graph} ({Reason}); running it on the CPU instead.")]
    public static partial void FellBackToCpu(this ILogger logger, ExecutionProvider provider, string graph, string reason);

    [LoggerMessage(2, LogLevel.Debug, "Opened {Graph} on {Provider}.")]
    public static partial void Opened(this ILogger logger, string graph, ExecutionProvider provider);

    [LoggerMessage(3, LogLevel.Information, "Set int8 compute (accuracy_level 4) on {Count} MatMulNBits nodes of {Graph}; saved as {Rewritten} for the next loads.")]
    public static partial void Rewrote(this ILogger logger, string graph, int count, string rewritten);

    [LoggerMessage(4, LogLevel.Warning, "Cannot save the int8-compute copy of {Graph} beside it ({Reason}); running the graph as exported. Make the model folder writable once to get the faster graph.")]
    public static partial void RewriteNotSaved(this ILogger logger, string graph, string reason);
}
