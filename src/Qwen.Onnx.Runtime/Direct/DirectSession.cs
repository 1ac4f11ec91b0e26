using System.Runtime.InteropServices;
using System.Text;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Qwen.Onnx.Runtime.Direct;

/// <summary>
/// An ONNX Runtime session run through the native API with <see cref="OwnedTensors"/>, for loops that must not
/// allocate managed memory per run (a decoder's token loop). <see cref="InferenceSession.Run(RunOptions, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue}, IReadOnlyCollection{string})"/>
/// allocates name arrays and an <see cref="OrtValue"/> object per output on every call (about 1 KB for a small
/// decoder); this type resolves names once and leaves outputs as native tensors in their owner. Open it with
/// <see cref="OnnxSessions.OpenDirect"/>. Runs may be concurrent, and disposing while one is in flight frees the session when it returns.
/// </summary>
internal sealed unsafe class DirectSession : IDisposable
{
    private readonly Dictionary<string, nint> _inputNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, nint> _outputNames = new(StringComparer.Ordinal);
    private readonly OrtSessionHandle _session;

    private DirectSession(OrtSessionHandle session)
    {
        _session = session;
        Inputs = ReadPorts(session, inputs: true, _inputNames);
        Outputs = ReadPorts(session, inputs: false, _outputNames);
    }

    /// <summary>The graph's inputs in declaration order.</summary>
    public IReadOnlyList<GraphPort> Inputs { get; }

    /// <summary>The graph's outputs in declaration order.</summary>
    public IReadOnlyList<GraphPort> Outputs { get; }

    /// <summary>Resolves inputs by name for <see cref="Run"/>.</summary>
    /// <param name="names">Input names, in the order their tensors will be passed.</param>
    /// <exception cref="ArgumentException">The graph has no input of one of the names.</exception>
    public PortSelection SelectInputs(params IEnumerable<string> names) => Select(names, inputs: true);

    /// <summary>Resolves outputs by name for <see cref="Run"/>.</summary>
    /// <param name="names">Output names, in the order their tensors will be returned.</param>
    /// <exception cref="ArgumentException">The graph has no output of one of the names.</exception>
    public PortSelection SelectOutputs(params IEnumerable<string> names) => Select(names, inputs: false);

    /// <summary>
    /// Runs the graph. An empty slot of <paramref name="outputs"/> receives a tensor ONNX Runtime allocates (the owner
    /// then holds it); a filled slot is written in place and must have the output's shape.
    /// </summary>
    /// <param name="runOptions">Run options (set <see cref="RunOptions.Terminate"/> to abort a long run), or <see langword="null"/>.</param>
    /// <param name="inputNames">Which inputs <paramref name="inputs"/> holds, from <see cref="SelectInputs"/>.</param>
    /// <param name="inputs">Borrowed views of the input tensors; their owners must keep them for the run.</param>
    /// <param name="outputNames">Which outputs to compute, from <see cref="SelectOutputs"/>.</param>
    /// <param name="outputs">The owner of the outputs, one slot per selected output.</param>
    /// <exception cref="OnnxRuntimeCallException">ONNX Runtime failed (bad shapes, terminated run, ...).</exception>
    /// <exception cref="ObjectDisposedException">The session was disposed.</exception>
    public void Run(RunOptions? runOptions, PortSelection inputNames, ReadOnlySpan<NativeTensor> inputs, PortSelection outputNames, OwnedTensors outputs)
    {
        ArgumentNullException.ThrowIfNull(inputNames);
        ArgumentNullException.ThrowIfNull(outputNames);
        ArgumentNullException.ThrowIfNull(outputs);
        if (inputNames.Owner != this || !inputNames.AreInputs || outputNames.Owner != this || outputNames.AreInputs)
        {
            throw new ArgumentException("The port selections must come from this session's SelectInputs and SelectOutputs.");
        }

        if (inputs.Length != inputNames.NativeNames.Length || outputs.Count != outputNames.NativeNames.Length)
        {
            throw new ArgumentException($"{inputNames.NativeNames.Length} inputs and {outputNames.NativeNames.Length} outputs were selected, but {inputs.Length} and {outputs.Count} tensors were given.");
        }

        int allocated = 0;
        foreach (NativeTensor output in outputs.Tensors)
        {
            allocated += output.IsEmpty ? 1 : 0;
        }

        // The reference keeps a concurrent Dispose from freeing the session (and its names) under the run.
        bool referenced = false;
        try
        {
            _session.DangerousAddRef(ref referenced);

            // NativeTensor is a single handle, so its spans are arrays of OrtValue* as the C API expects.
            fixed (nint* inNames = inputNames.NativeNames)
            fixed (nint* outNames = outputNames.NativeNames)
            fixed (NativeTensor* inValues = inputs)
            fixed (NativeTensor* outValues = outputs.Slots)
            {
                nint options = runOptions?.DangerousGetHandle() ?? 0;
                OrtApi.Check(OrtApi.Run(_session.DangerousGetHandle(), options, inNames, (nint*)inValues, (nuint)inputs.Length, outNames, (nuint)outputs.Count, (nint*)outValues));
            }
        }
        finally
        {
            if (referenced)
            {
                _session.DangerousRelease();
            }
        }

        OwnedTensors.CountAdopted(allocated);
    }

    /// <summary>Frees the native session, once the runs in flight have returned.</summary>
    public void Dispose() => _session.Dispose();

    internal static DirectSession Create(string graphPath, SessionOptions options)
    {
        nint env = OrtEnv.Instance().DangerousGetHandle();
        nint session;
        if (OperatingSystem.IsWindows())
        {
            fixed (char* path = graphPath)
            {
                OrtApi.Check(OrtApi.CreateSession(env, path, options.DangerousGetHandle(), &session));
            }
        }
        else
        {
            fixed (byte* path = Encoding.UTF8.GetBytes(graphPath + "\0"))
            {
                OrtApi.Check(OrtApi.CreateSession(env, path, options.DangerousGetHandle(), &session));
            }
        }

        var handle = new OrtSessionHandle(session);
        try
        {
            return new DirectSession(handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private PortSelection Select(IEnumerable<string> names, bool inputs)
    {
        ArgumentNullException.ThrowIfNull(names);
        ObjectDisposedException.ThrowIf(_session.IsClosed, this);
        Dictionary<string, nint> known = inputs ? _inputNames : _outputNames;
        string[] chosen = [.. names];
        nint[] native = [.. chosen.Select(n => known.TryGetValue(n, out nint p) ? p
            : throw new ArgumentException($"The graph has no {(inputs ? "input" : "output")} '{n}'; it has {string.Join(", ", known.Keys)}.", nameof(names)))];
        return new PortSelection(this, inputs, chosen, native);
    }

    private static GraphPort[] ReadPorts(OrtSessionHandle handle, bool inputs, Dictionary<string, nint> nativeNames)
    {
        nint session = handle.DangerousGetHandle();
        nuint count;
        OrtApi.Check(inputs ? OrtApi.SessionGetInputCount(session, &count) : OrtApi.SessionGetOutputCount(session, &count));
        nint allocator;
        OrtApi.Check(OrtApi.GetAllocatorWithDefaultOptions(&allocator));
        var ports = new GraphPort[(int)count];
        for (nuint i = 0; i < count; i++)
        {
            byte* name;
            OrtApi.Check(inputs ? OrtApi.SessionGetInputName(session, i, allocator, &name) : OrtApi.SessionGetOutputName(session, i, allocator, &name));
            string text = Marshal.PtrToStringUTF8((nint)name)!;
            nativeNames[text] = handle.KeepName(name);
            OrtApi.Check(OrtApi.AllocatorFree(allocator, name));
            ports[i] = ReadPort(session, i, inputs, text);
        }

        return ports;
    }

    private static GraphPort ReadPort(nint session, nuint index, bool input, string name)
    {
        nint typeInfo;
        OrtApi.Check(input ? OrtApi.SessionGetInputTypeInfo(session, index, &typeInfo) : OrtApi.SessionGetOutputTypeInfo(session, index, &typeInfo));
        try
        {
            nint tensorInfo;
            OrtApi.Check(OrtApi.CastTypeInfoToTensorInfo(typeInfo, &tensorInfo));
            if (tensorInfo == 0)
            {
                return new GraphPort(name, 0, []);
            }

            int type;
            nuint rank;
            OrtApi.Check(OrtApi.GetTensorElementType(tensorInfo, &type));
            OrtApi.Check(OrtApi.GetDimensionsCount(tensorInfo, &rank));
            var dims = new long[(int)rank];
            fixed (long* d = dims)
            {
                OrtApi.Check(OrtApi.GetDimensions(tensorInfo, d, rank));
            }

            return new GraphPort(name, (TensorElementType)type, dims);
        }
        finally
        {
            // The tensor info belongs to the type info.
            OrtApi.ReleaseTypeInfo(typeInfo);
        }
    }
}
