using Microsoft.Extensions.Logging;

namespace Qwen.Onnx.Cli;

/// <summary>SDK warnings (such as a CPU fallback) go to stderr so they never mix with streamed or JSON output.</summary>
internal static class ConsoleLogging
{
    public static ILoggerFactory Factory { get; } = LoggerFactory.Create(builder => builder
        .SetMinimumLevel(LogLevel.Warning)
        .AddSimpleConsole(o => o.SingleLine = true)
        .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
}
