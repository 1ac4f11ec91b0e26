using Microsoft.Extensions.Logging;

namespace Qwen.Onnx.Testing;

/// <summary>A logger factory that keeps every message, so tests can assert what the SDK logged and when.</summary>
public sealed class RecordingLoggerFactory : ILoggerFactory, ILogger
{
    private readonly List<(LogLevel Level, string Message)> _messages = [];
    private readonly Action<string>? _onMessage;

    /// <summary>Creates the factory.</summary>
    /// <param name="onMessage">Called with each message as it is logged (a test's hook into a point of a load or a request).</param>
    public RecordingLoggerFactory(Action<string>? onMessage = null) => _onMessage = onMessage;

    /// <summary>Every message, in order.</summary>
    public IReadOnlyList<string> Messages
    {
        get
        {
            lock (_messages)
            {
                return [.. _messages.Select(m => m.Message)];
            }
        }
    }

    /// <summary>The messages of level Warning and above, in order.</summary>
    public IReadOnlyList<string> Warnings
    {
        get
        {
            lock (_messages)
            {
                return [.. _messages.Where(m => m.Level >= LogLevel.Warning).Select(m => m.Message)];
            }
        }
    }

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => this;

    /// <inheritdoc />
    public void AddProvider(ILoggerProvider provider)
    {
    }

    /// <inheritdoc />
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    /// <inheritdoc />
    public bool IsEnabled(LogLevel logLevel) => true;

    /// <inheritdoc />
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        string message = formatter(state, exception);
        lock (_messages)
        {
            _messages.Add((logLevel, message));
        }

        _onMessage?.Invoke(message);
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
