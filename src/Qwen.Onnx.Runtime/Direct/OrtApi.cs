using System.Runtime.InteropServices;

namespace Qwen.Onnx.Runtime.Direct;

/// <summary>
/// The few entries of ONNX Runtime's C function table that <see cref="DirectSession"/> needs, called through function
/// pointers so a call allocates nothing managed. Indices are positions in <c>struct OrtApi</c> of
/// onnxruntime_c_api.h; the table is requested for <see cref="ApiVersion"/> and the runtime refuses versions it does
/// not serve, so the positions are checked against the library actually loaded.
/// </summary>
internal static unsafe partial class OrtApi
{
    /// <summary>
    /// The C API version requested: the one Microsoft.ML.OnnxRuntime 1.N itself asks for (N, its minor version), so
    /// this never demands more of the native library than the managed binding does. The table only ever grows at its
    /// end, so the positions below hold in every version that serves it.
    /// </summary>
    public static readonly uint ApiVersion = (uint)typeof(Microsoft.ML.OnnxRuntime.OrtEnv).Assembly.GetName().Version!.Minor;

    /// <summary>The version string of the loaded onnxruntime library.</summary>
    public static readonly string RuntimeVersion = ReadVersion();

    private static readonly nint* Table = Load();

    public static readonly delegate* unmanaged<nint, int> GetErrorCode = (delegate* unmanaged<nint, int>)Table[1];
    public static readonly delegate* unmanaged<nint, byte*> GetErrorMessage = (delegate* unmanaged<nint, byte*>)Table[2];
    public static readonly delegate* unmanaged<nint, void*, nint, nint*, nint> CreateSession = (delegate* unmanaged<nint, void*, nint, nint*, nint>)Table[7];
    public static readonly delegate* unmanaged<nint, nint, nint*, nint*, nuint, nint*, nuint, nint*, nint> Run = (delegate* unmanaged<nint, nint, nint*, nint*, nuint, nint*, nuint, nint*, nint>)Table[9];
    public static readonly delegate* unmanaged<nint, nuint*, nint> SessionGetInputCount = (delegate* unmanaged<nint, nuint*, nint>)Table[30];
    public static readonly delegate* unmanaged<nint, nuint*, nint> SessionGetOutputCount = (delegate* unmanaged<nint, nuint*, nint>)Table[31];
    public static readonly delegate* unmanaged<nint, nuint, nint*, nint> SessionGetInputTypeInfo = (delegate* unmanaged<nint, nuint, nint*, nint>)Table[33];
    public static readonly delegate* unmanaged<nint, nuint, nint*, nint> SessionGetOutputTypeInfo = (delegate* unmanaged<nint, nuint, nint*, nint>)Table[34];
    public static readonly delegate* unmanaged<nint, nuint, nint, byte**, nint> SessionGetInputName = (delegate* unmanaged<nint, nuint, nint, byte**, nint>)Table[36];
    public static readonly delegate* unmanaged<nint, nuint, nint, byte**, nint> SessionGetOutputName = (delegate* unmanaged<nint, nuint, nint, byte**, nint>)Table[37];
    public static readonly delegate* unmanaged<nint, long*, nuint, int, nint*, nint> CreateTensorAsOrtValue = (delegate* unmanaged<nint, long*, nuint, int, nint*, nint>)Table[48];
    public static readonly delegate* unmanaged<nint, void*, nuint, long*, nuint, int, nint*, nint> CreateTensorWithDataAsOrtValue = (delegate* unmanaged<nint, void*, nuint, long*, nuint, int, nint*, nint>)Table[49];
    public static readonly delegate* unmanaged<nint, void**, nint> GetTensorMutableData = (delegate* unmanaged<nint, void**, nint>)Table[51];
    public static readonly delegate* unmanaged<nint, nint*, nint> CastTypeInfoToTensorInfo = (delegate* unmanaged<nint, nint*, nint>)Table[55];
    public static readonly delegate* unmanaged<nint, int*, nint> GetTensorElementType = (delegate* unmanaged<nint, int*, nint>)Table[60];
    public static readonly delegate* unmanaged<nint, nuint*, nint> GetDimensionsCount = (delegate* unmanaged<nint, nuint*, nint>)Table[61];
    public static readonly delegate* unmanaged<nint, long*, nuint, nint> GetDimensions = (delegate* unmanaged<nint, long*, nuint, nint>)Table[62];
    public static readonly delegate* unmanaged<nint, nuint*, nint> GetTensorShapeElementCount = (delegate* unmanaged<nint, nuint*, nint>)Table[64];
    public static readonly delegate* unmanaged<nint, nint*, nint> GetTensorTypeAndShape = (delegate* unmanaged<nint, nint*, nint>)Table[65];
    public static readonly delegate* unmanaged<nint, void*, nint> AllocatorFree = (delegate* unmanaged<nint, void*, nint>)Table[76];
    public static readonly delegate* unmanaged<nint*, nint> GetAllocatorWithDefaultOptions = (delegate* unmanaged<nint*, nint>)Table[78];
    public static readonly delegate* unmanaged<nint, void> ReleaseStatus = (delegate* unmanaged<nint, void>)Table[93];
    public static readonly delegate* unmanaged<nint, void> ReleaseSession = (delegate* unmanaged<nint, void>)Table[95];
    public static readonly delegate* unmanaged<nint, void> ReleaseValue = (delegate* unmanaged<nint, void>)Table[96];
    public static readonly delegate* unmanaged<nint, void> ReleaseTypeInfo = (delegate* unmanaged<nint, void>)Table[98];
    public static readonly delegate* unmanaged<nint, void> ReleaseTensorTypeAndShapeInfo = (delegate* unmanaged<nint, void>)Table[99];

    /// <summary>Throws <see cref="OnnxRuntimeCallException"/> (and frees the status) when a call failed.</summary>
    public static void Check(nint status)
    {
        if (status != 0)
        {
            Throw(status);
        }
    }

    private static void Throw(nint status)
    {
        int code = GetErrorCode(status);
        string message = Marshal.PtrToStringUTF8((nint)GetErrorMessage(status)) ?? "unknown error";
        ReleaseStatus(status);
        throw new OnnxRuntimeCallException(code, message);
    }

    /// <summary>
    /// Asks the loaded runtime for the C API table of the version the indices above come from. ONNX Runtime returns
    /// null for versions it does not serve (a runtime older than the one this table was written against), so a
    /// mismatched onnxruntime library is a typed error here instead of a call through the wrong slot later.
    /// </summary>
    private static nint* Load()
    {
        var getApi = (delegate* unmanaged<uint, nint*>)((nint*)OrtGetApiBase())[0];
        nint* table = getApi(ApiVersion);
        return table != null ? table : throw new QwenOnnxException(
            $"The loaded ONNX Runtime ({RuntimeVersion}) does not serve C API version {ApiVersion}, which Qwen.Onnx's direct sessions are built against. Use the onnxruntime package version Qwen.Onnx depends on (1.{ApiVersion} or newer).");
    }

    // OrtApiBase is { const OrtApi* GetApi(uint32_t version), const char* GetVersionString() }.
    private static string ReadVersion() =>
        Marshal.PtrToStringUTF8((nint)((delegate* unmanaged<byte*>)((nint*)OrtGetApiBase())[1])()) ?? "unknown";

    // The same library name Microsoft.ML.OnnxRuntime binds to, so the process shares one loaded runtime.
    [LibraryImport("onnxruntime")]
    private static partial nint OrtGetApiBase();
}
