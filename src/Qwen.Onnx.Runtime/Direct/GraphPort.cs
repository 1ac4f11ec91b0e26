using Microsoft.ML.OnnxRuntime.Tensors;

namespace Qwen.Onnx.Runtime.Direct;

/// <summary>One input or output of a graph, as its metadata declares it.</summary>
/// <param name="Name">The port's name.</param>
/// <param name="ElementType">The tensor element type; 0 for ports that are not tensors (sequences, maps).</param>
/// <param name="Dimensions">The declared dimensions; -1 for a symbolic (dynamic) one.</param>
internal sealed record GraphPort(string Name, TensorElementType ElementType, IReadOnlyList<long> Dimensions);
