namespace Qwen.Onnx.Runtime.Direct;

/// <summary>
/// The one owner of a fixed number of native tensors: each slot is empty or holds an <c>OrtValue*</c> that only this
/// object releases (on <see cref="Release"/>, when the slot is refilled, on <see cref="Dispose"/>, or by the finalizer
/// when a request was abandoned without disposal). Others see the tensors as borrowed <see cref="NativeTensor"/> views;
/// ownership moves between owners only through <see cref="MoveTo"/>, so a tensor is never released twice.
/// </summary>
internal sealed unsafe class OwnedTensors : IDisposable
{
    private static long s_live;
    private readonly NativeTensor[] _slots;

    public OwnedTensors(int count) => _slots = new NativeTensor[count];

    ~OwnedTensors() => ReleaseAll();

    /// <summary>
    /// Tensors held by any owner, process-wide: a leak diagnostic that returns to its earlier value when every owner
    /// has released.
    /// </summary>
    public static long LiveCount => Volatile.Read(ref s_live);

    public int Count => _slots.Length;

    /// <summary>Borrowed views of every slot, valid while this owner keeps them.</summary>
    public ReadOnlySpan<NativeTensor> Tensors => _slots;

    /// <summary>The slots a run writes its outputs into; empty slots receive tensors this owner then holds.</summary>
    internal NativeTensor[] Slots => _slots;

    public NativeTensor this[int slot] => _slots[slot];

    /// <summary>Puts a tensor over CPU memory (no copy) into a slot; the memory must stay pinned while the slot holds it.</summary>
    /// <typeparam name="T">float, <see cref="Half"/>, long or int.</typeparam>
    /// <exception cref="ArgumentException">The shape has a negative dimension or does not describe <paramref name="length"/> elements.</exception>
    /// <exception cref="OnnxRuntimeCallException">ONNX Runtime refused the tensor.</exception>
    public NativeTensor Wrap<T>(int slot, T* data, int length, ReadOnlySpan<long> shape)
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
                Microsoft.ML.OnnxRuntime.OrtMemoryInfo.DefaultInstance.DangerousGetHandle(), data, (nuint)(length * sizeof(T)), dims, (nuint)shape.Length, (int)NativeTensor.ElementTypeOf<T>(), &value));
        }

        return Adopt(slot, value);
    }

    /// <summary>Puts a tensor in memory ONNX Runtime allocates (CPU, contents undefined) into a slot.</summary>
    /// <typeparam name="T">float, <see cref="Half"/>, long or int.</typeparam>
    /// <exception cref="OnnxRuntimeCallException">ONNX Runtime could not allocate it.</exception>
    public NativeTensor Allocate<T>(int slot, ReadOnlySpan<long> shape)
        where T : unmanaged
    {
        nint allocator;
        OrtApi.Check(OrtApi.GetAllocatorWithDefaultOptions(&allocator));
        nint value;
        fixed (long* dims = shape)
        {
            OrtApi.Check(OrtApi.CreateTensorAsOrtValue(allocator, dims, (nuint)shape.Length, (int)NativeTensor.ElementTypeOf<T>(), &value));
        }

        return Adopt(slot, value);
    }

    /// <summary>Hands the tensor of a slot to another owner (releasing what that slot held); this slot becomes empty.</summary>
    public void MoveTo(int slot, OwnedTensors destination, int destinationSlot)
    {
        ArgumentNullException.ThrowIfNull(destination);
        destination.Release(destinationSlot);
        destination._slots[destinationSlot] = _slots[slot];
        _slots[slot] = default;
    }

    /// <summary>Frees the tensor of a slot (not memory it merely wraps); an empty slot stays empty.</summary>
    public void Release(int slot)
    {
        nint handle = _slots[slot].Handle;
        _slots[slot] = default;
        if (handle != 0)
        {
            OrtApi.ReleaseValue(handle);
            Interlocked.Decrement(ref s_live);
        }
    }

    public void ReleaseAll()
    {
        for (int i = 0; i < _slots.Length; i++)
        {
            Release(i);
        }
    }

    public void Dispose()
    {
        ReleaseAll();
        GC.SuppressFinalize(this);
    }

    /// <summary>Counts tensors ONNX Runtime created into this owner's slots as a run's outputs.</summary>
    internal static void CountAdopted(int count) => Interlocked.Add(ref s_live, count);

    private NativeTensor Adopt(int slot, nint value)
    {
        Release(slot);
        _slots[slot] = new NativeTensor(value);
        Interlocked.Increment(ref s_live);
        return _slots[slot];
    }
}
