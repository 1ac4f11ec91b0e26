namespace Qwen.Onnx.Runtime.Direct;

/// <summary>
/// An ordered choice of a <see cref="DirectSession"/>'s inputs or outputs, resolved once to the native names a run
/// passes, so repeated runs do not marshal strings.
/// </summary>
internal sealed class PortSelection
{
    internal PortSelection(DirectSession owner, bool inputs, string[] names, nint[] nativeNames)
    {
        Owner = owner;
        AreInputs = inputs;
        Names = names;
        NativeNames = nativeNames;
    }

    /// <summary>The selected port names, in run order.</summary>
    public IReadOnlyList<string> Names { get; }

    internal DirectSession Owner { get; }

    internal bool AreInputs { get; }

    internal nint[] NativeNames { get; }
}
