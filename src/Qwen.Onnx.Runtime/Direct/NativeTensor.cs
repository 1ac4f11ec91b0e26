using System.Runtime.CompilerServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Qwen.Onnx.Runtime.Direct;

/// <summary>
/// A handle to a native ONNX Runtime tensor (an <c>OrtValue*</c>). A struct, so holding, passing and swapping tensors
/// between runs allocates nothing managed. Whoever creates a tensor, or receives one as a run's output, owns it and
/// must <see cref="Release"/> it exactly once.
/// </summary>
public readonly unsafe struct NativeTensor : IEquatable<NativeTensor>
{
    private static long s_live;

    private NativeTensor(nint handle) => Handle = handle;

    /// <summary>
    /// Tensors created by <see cref="Wrap"/>, <see cref="Allocate"/> or a <see cref="DirectSession"/> run and not yet
    /// released, process-wide: a leak diagnostic (it returns to its earlier value when every owner has released).
    /// </summary>
    public static long LiveCount => Volatile.Read(ref s_live);

    /// <summary>The native <c>OrtValue*</c>; zero for "no tensor" (an output for ONNX Runtime to allocate).</summary>
    public nint Handle { get; }

    /// <summary>Whether this is the empty handle.</summary>
    public bool IsEmpty => Handle == 0;

    /// <summary>
    /// Wraps CPU memory as a tensor without copying. The memory must stay pinned and alive until the tensor is
    /// released (a pinned-heap array, native memory, or a <see langword="fixed"/> scope around the tensor's whole life).
    /// </summary>
    /// <typeparam name="T">float, <see cref="Half"/>, long or int.</typeparam>
    /// <param name="data">The first element.</param>
    /// <param name="length">Elements available at <paramref name="data"/>; must equal the product of <paramref name="shape"/>.</param>
    /// <param name="shape">The dimensions.</param>
    /// <exception cref="ArgumentException">The shape has a negative dimension or does not describe <paramref name="length"/> elements.</exception>
    /// <exception cref="OnnxRuntimeCallException">ONNX Runtime refused the tensor.</exception>
    public static NativeTensor Wrap<T>(T* data, int length, ReadOnlySpan<long> shape)
        where T : unmanaged
    {
        long elements = 1;
        foreach (long d in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(d, nameof(shape));
            elements *= d;
        }

        if (elements != length)
        {
            throw new ArgumentException($"A tensor of shape [{string.Join(',', shape.ToArray())}] holds {elements} elements, but {length} were given.", nameof(shape));
        }

        nint value;
        fixed (long* dims = shape)
        {
            OrtApi.Check(OrtApi.CreateTensorWithDataAsOrtValue(
                OrtMemoryInfo.DefaultInstance.DangerousGetHandle(), data, (nuint)(length * sizeof(T)), dims, (nuint)shape.Length, (int)ElementTypeOf<T>(), &value));
        }

        return Created(value);
    }

    /// <summary>A tensor in memory ONNX Runtime allocates (CPU) and frees on <see cref="Release"/>; its contents start undefined.</summary>
    /// <typeparam name="T">float, <see cref="Half"/>, long or int.</typeparam>
    /// <param name="shape">The dimensions.</param>
    /// <exception cref="OnnxRuntimeCallException">ONNX Runtime could not allocate it.</exception>
    public static NativeTensor Allocate<T>(ReadOnlySpan<long> shape)
        where T : unmanaged
    {
        nint allocator;
        OrtApi.Check(OrtApi.GetAllocatorWithDefaultOptions(&allocator));
        nint value;
        fixed (long* dims = shape)
        {
            OrtApi.Check(OrtApi.CreateTensorAsOrtValue(allocator, dims, (nuint)shape.Length, (int)ElementTypeOf<T>(), &value));
        }

        return Created(value);
    }

    /// <summary>The tensor's dimensions.</summary>
    /// <exception cref="InvalidOperationException">The tensor is empty.</exception>
    public long[] GetShape()
    {
        if (IsEmpty)
        {
            throw new InvalidOperationException("The tensor is empty.");
        }

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

    /// <summary>The tensor's elements, in place (writable: ONNX Runtime does not copy inputs).</summary>
    /// <typeparam name="T">Must match the tensor's element type.</typeparam>
    /// <exception cref="InvalidOperationException">The tensor is empty or holds another element type.</exception>
    public Span<T> GetData<T>()
        where T : unmanaged
    {
        if (IsEmpty)
        {
            throw new InvalidOperationException("The tensor is empty.");
        }

        nint info;
        OrtApi.Check(OrtApi.GetTensorTypeAndShape(Handle, &info));
        int type;
        nuint count;
        try
        {
            OrtApi.Check(OrtApi.GetTensorElementType(info, &type));
            OrtApi.Check(OrtApi.GetTensorShapeElementCount(info, &count));
        }
        finally
        {
            OrtApi.ReleaseTensorTypeAndShapeInfo(info);
        }

        if (type != (int)ElementTypeOf<T>())
        {
            throw new InvalidOperationException($"The tensor holds {(TensorElementType)type} elements, not {typeof(T).Name}.");
        }

        void* data;
        OrtApi.Check(OrtApi.GetTensorMutableData(Handle, &data));
        return new Span<T>(data, checked((int)count));
    }

    /// <summary>Frees the native tensor (not memory it merely wraps). Releasing the empty handle does nothing.</summary>
    public void Release()
    {
        if (!IsEmpty)
        {
            OrtApi.ReleaseValue(Handle);
            Interlocked.Decrement(ref s_live);
        }
    }

    /// <inheritdoc/>
    public bool Equals(NativeTensor other) => Handle == other.Handle;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is NativeTensor other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Handle.GetHashCode();

    /// <summary>Whether both are the same native tensor.</summary>
    /// <param name="left">One tensor.</param>
    /// <param name="right">The other.</param>
    public static bool operator ==(NativeTensor left, NativeTensor right) => left.Equals(right);

    /// <summary>Whether they are different native tensors.</summary>
    /// <param name="left">One tensor.</param>
    /// <param name="right">The other.</param>
    public static bool operator !=(NativeTensor left, NativeTensor right) => !left.Equals(right);

    /// <summary>Counts tensors ONNX Runtime created as a run's outputs.</summary>
    internal static void CountCreated(int count) => Interlocked.Add(ref s_live, count);

    private static NativeTensor Created(nint handle)
    {
        Interlocked.Increment(ref s_live);
        return new NativeTensor(handle);
    }

    private static TensorElementType ElementTypeOf<T>()
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
}
