using Microsoft.Extensions.Logging;

namespace Qwen.Onnx.Text;

/// <summary>The text engine's log messages (source-generated, no allocation when the level is off).</summary>
internal static partial class TextEngineLog
{
    [LoggerMessage(1, LogLevel.Information, "Loaded {Model} ({Type}) on {Provider} in {Milliseconds:F0} ms")]
    public static partial void Loaded(this ILogger logger, string model, string type, ExecutionProvider provider, double milliseconds);

    [LoggerMessage(2, LogLevel.Warning, "The {Provider} execution provider is not available ({Reason}); running on the CPU instead.")]
    public static partial void FellBackToCpu(this ILogger logger, ExecutionProvider provider, string reason);

    [LoggerMessage(3, LogLevel.Debug, "Generation was terminated by cancellation.")]
    public static partial void Terminated(this ILogger logger, Exception exception);
}
