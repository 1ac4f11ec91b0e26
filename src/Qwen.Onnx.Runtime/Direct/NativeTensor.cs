using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Qwen.Onnx.Runtime.Direct;

/// <summary>
/// A borrowed view of a native ONNX Runtime tensor (an <c>OrtValue*</c>) that an <see cref="OwnedTensors"/> holds. A
/// struct, so passing tensors to runs allocates nothing managed; it cannot free the tensor, so copies of it never
/// compete with the owner. A view, and the spans it hands out, are valid only while the owner keeps the tensor.
/// </summary>
internal readonly unsafe struct NativeTensor : IEquatable<NativeTensor>
{
    internal NativeTensor(nint handle) => Handle = handle;

    /// <summary>The native <c>OrtValue*</c>; zero for "no tensor" (an output for ONNX Runtime to allocate).</summary>
    public nint Handle { get; }

    /// <summary>Whether this is the empty handle.</summary>
    public bool IsEmpty => Handle == 0;

    /// <summary>The tensor's dimensions.</summary>
    /// <exception cref="InvalidOperationException">The tensor is empty.</exception>
    public long[] GetShape()
    {
        ThrowIfEmpty();
        nint info;
        OrtApi.Check(OrtApi.GetTensorTypeAndShape(Handle, &info));
        try
        {
            nuint rank;
            OrtApi.Check(OrtApi.GetDimensionsCount(info, &rank));
            var shape = new long[(int)rank];
            fixed (long* dims = shape)
            {
                OrtApi.Check(OrtApi.GetDimensions(info, dims, rank));
            }

            return shape;
        }
        finally
        {
            OrtApi.ReleaseTensorTypeAndShapeInfo(info);
        }
    }

    /// <summary>The tensor's elements, in place (writable: ONNX Runtime does not copy inputs); valid while the owner keeps the tensor.</summary>
    /// <typeparam name="T">Must match the tensor's element type.</typeparam>
    /// <exception cref="InvalidOperationException">The tensor is empty or holds another element type.</exception>
    public Span<T> GetData<T>()
        where T : unmanaged
    {
        (TensorElementType type, int count) = ReadTypeAndCount();
        if (type != ElementTypeOf<T>())
        {
            throw new InvalidOperationException($"The tensor holds {type} elements, not {typeof(T).Name}.");
        }

        void* data;
        OrtApi.Check(OrtApi.GetTensorMutableData(Handle, &data));
        return new Span<T>(data, count);
    }

    /// <summary>
    /// Copies elements from <paramref name="start"/> on into <paramref name="destination"/> as float, widening float16
    /// in bulk: the one conversion every encoder output and logits read goes through.
    /// </summary>
    /// <exception cref="InvalidOperationException">The tensor is empty or is neither float nor float16.</exception>
    public void CopyAsSingle(int start, Span<float> destination)
    {
        if (ReadTypeAndCount().Type == TensorElementType.Float16)
        {
            TensorPrimitives.ConvertToSingle(GetData<Half>().Slice(start, destination.Length), destination);
        }
        else
        {
            GetData<float>().Slice(start, destination.Length).CopyTo(destination);
        }
    }

    /// <inheritdoc/>
    public bool Equals(NativeTensor other) => Handle == other.Handle;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is NativeTensor other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Handle.GetHashCode();

    public static bool operator ==(NativeTensor left, NativeTensor right) => left.Equals(right);

    public static bool operator !=(NativeTensor left, NativeTensor right) => !left.Equals(right);

    internal static TensorElementType ElementTypeOf<T>()
    {
        if (typeof(T) == typeof(float))
        {
            return TensorElementType.Float;
        }

        if (typeof(T) == typeof(Half))
        {
            return TensorElementType.Float16;
        }

        if (typeof(T) == typeof(long))
        {
            return TensorElementType.Int64;
        }

        return typeof(T) == typeof(int)
            ? TensorElementType.Int32
            : throw new NotSupportedException($"{typeof(T).Name} tensors are not supported; use float, Half, long or int.");
    }

    private (TensorElementType Type, int Count) ReadTypeAndCount()
    {
        ThrowIfEmpty();
        nint info;
        OrtApi.Check(OrtApi.GetTensorTypeAndShape(Handle, &info));
        try
        {
            int type;
            nuint count;
            OrtApi.Check(OrtApi.GetTensorElementType(info, &type));
            OrtApi.Check(OrtApi.GetTensorShapeElementCount(info, &count));
            return ((TensorElementType)type, checked((int)count));
        }
        finally
        {
            OrtApi.ReleaseTensorTypeAndShapeInfo(info);
        }
    }

    private void ThrowIfEmpty()
    {
        if (IsEmpty)
        {
            throw new InvalidOperationException("The tensor is empty.");
        }
    }
}
