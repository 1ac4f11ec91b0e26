using System.Text.Json;

namespace Qwen.Onnx;

/// <summary>A function call the model made (or made in an earlier turn of the conversation).</summary>
public sealed class QwenToolCall
{
    /// <summary>Creates a call.</summary>
    /// <param name="name">The function name.</param>
    /// <param name="arguments">The arguments as a JSON object.</param>
    /// <exception cref="ArgumentException">The name is empty or the arguments are not a JSON object.</exception>
    public QwenToolCall(string name, JsonElement arguments)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (arguments.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException($"The arguments of a call to '{name}' must be a JSON object, not {arguments.ValueKind}.", nameof(arguments));
        }

        Name = name;
        Arguments = arguments.Clone();
    }

    /// <summary>The function name.</summary>
    public string Name { get; }

    /// <summary>The arguments, a JSON object.</summary>
    public JsonElement Arguments { get; }
}
