using Microsoft.Extensions.Logging;

namespace Qwen.Onnx.Constraints;

/// <summary>The constraint compiler's log messages (source-generated, no allocation when the level is off).</summary>
internal static partial class ConstraintLog
{
    [LoggerMessage(1, LogLevel.Information, "Indexed the vocabulary for structured output in {Milliseconds:F0} ms")]
    public static partial void VocabularyIndexed(this ILogger logger, double milliseconds);

    [LoggerMessage(2, LogLevel.Warning, "Indexing the vocabulary for structured output failed; the first constrained request will report it")]
    public static partial void VocabularyIndexFailed(this ILogger logger, Exception exception);
}
