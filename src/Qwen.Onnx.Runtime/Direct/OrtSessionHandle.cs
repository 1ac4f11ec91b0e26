using System.Runtime.InteropServices;

namespace Qwen.Onnx.Runtime.Direct;

/// <summary>
/// Owns a native <c>OrtSession*</c> and the native copies of its port names. As a <see cref="SafeHandle"/> it is
/// released once, by <see cref="SafeHandle.Dispose()"/> or the finalizer, and never while a run holds a reference.
/// </summary>
internal sealed unsafe class OrtSessionHandle : SafeHandle
{
    private static long s_live;
    private readonly List<nint> _names = [];

    public OrtSessionHandle(nint session)
        : base(0, ownsHandle: true)
    {
        SetHandle(session);
        Interlocked.Increment(ref s_live);
    }

    /// <summary>Native sessions open process-wide: a leak diagnostic for loads that fail half-way.</summary>
    public static long LiveCount => Volatile.Read(ref s_live);

    public override bool IsInvalid => handle == 0;

    /// <summary>Keeps a NUL-terminated copy of a name for the session's lifetime and returns it.</summary>
    public nint KeepName(byte* utf8)
    {
        nuint length = (nuint)MemoryMarshal.CreateReadOnlySpanFromNullTerminated(utf8).Length + 1;
        void* copy = NativeMemory.Alloc(length);
        Buffer.MemoryCopy(utf8, copy, length, length);
        _names.Add((nint)copy);
        return (nint)copy;
    }

    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseSession(handle);
        Interlocked.Decrement(ref s_live);
        foreach (nint name in _names)
        {
            NativeMemory.Free((void*)name);
        }

        return true;
    }
}
