using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntimeGenAI;
using Qwen.Onnx.Constraints;

namespace Qwen.Onnx.Text;

/// <summary>
/// Applies a <see cref="TokenConstraint"/> to the logits of a GenAI <see cref="Generator"/> before it samples, through
/// <c>OgaGenerator_GetLogits</c>/<c>OgaGenerator_SetLogits</c> (in GenAI's C API, not wrapped by its C# API). This is
/// what lets GenAI folders use the same masks as the multimodal engine: GenAI 0.18's own guidance (llguidance) failed
/// with "Error committing tokens" on valid outputs whenever the alternatives of a pattern share the first bytes of a
/// multi-byte character, as in <c>(é|ü)+</c>. GenAI then samples among the tokens left with its own sampler. The
/// generator keeps owning its handle; this borrows it (read once per request) for the generator's lifetime.
/// </summary>
internal readonly unsafe partial struct GeneratorLogits
{
    private const string Library = "onnxruntime-genai";

    // The C# API keeps the native handle private; the field is read once per generator.
    private static readonly FieldInfo? HandleField = typeof(Generator).GetField("_generatorHandle", BindingFlags.NonPublic | BindingFlags.Instance);

    private readonly nint _generator;
    private readonly TokenConstraint _constraint;

    private GeneratorLogits(nint generator, TokenConstraint constraint) => (_generator, _constraint) = (generator, constraint);

    /// <summary>The logits of a generator, masked by one request's constraint; the generator must outlive every use of the result.</summary>
    /// <exception cref="QwenOnnxException">This GenAI build keeps its handle elsewhere.</exception>
    public static GeneratorLogits For(Generator generator, TokenConstraint constraint) =>
        HandleField?.GetValue(generator) is nint handle && handle != 0
            ? new GeneratorLogits(handle, constraint)
            : throw new QwenOnnxException("This build of Microsoft.ML.OnnxRuntimeGenAI does not expose its generator handle, which constrained output on GenAI folders needs; use the version Qwen.Onnx was built with.");

    /// <summary>Masks the generator's next-token logits to what the constraint allows (only the forced token when it forces one).</summary>
    /// <exception cref="QwenOnnxException">GenAI rejected a call.</exception>
    public void Mask()
    {
        Check(GetLogits(_generator, out nint tensor));
        try
        {
            Span<float> logits = DataOf(tensor);
            int forced = _constraint.Mask(logits);
            if (forced >= 0)
            {
                float kept = logits[forced];
                logits.Fill(float.NegativeInfinity);
                logits[forced] = kept;
            }

            Check(SetLogits(_generator, tensor));
        }
        finally
        {
            DestroyTensor(tensor);
        }
    }

    /// <summary>The float logits of the last position ([batch 1, 1, vocabulary] in GenAI 0.18).</summary>
    private static Span<float> DataOf(nint tensor)
    {
        Check(GetType(tensor, out int type));
        if (type != (int)ElementType.float32)
        {
            throw new QwenOnnxException($"GenAI returned {(ElementType)type} logits; constrained output on GenAI folders needs float32 logits.");
        }

        Check(GetShapeRank(tensor, out nuint rank));
        Span<long> shape = stackalloc long[(int)rank];
        fixed (long* dimensions = shape)
        {
            Check(GetShape(tensor, dimensions, rank));
        }

        long count = 1;
        foreach (long dimension in shape)
        {
            count *= dimension;
        }

        Check(GetData(tensor, out void* data));
        return new Span<float>(data, checked((int)count));
    }

    private static void Check(nint result)
    {
        if (result == 0)
        {
            return;
        }

        string message = Marshal.PtrToStringUTF8(GetError(result)) ?? "unknown error";
        DestroyResult(result);
        throw new QwenOnnxException($"ONNX Runtime GenAI failed while constraining the next token: {message}");
    }

    [LibraryImport(Library, EntryPoint = "OgaGenerator_GetLogits")]
    private static partial nint GetLogits(nint generator, out nint tensor);

    [LibraryImport(Library, EntryPoint = "OgaGenerator_SetLogits")]
    private static partial nint SetLogits(nint generator, nint tensor);

    [LibraryImport(Library, EntryPoint = "OgaTensorGetType")]
    private static partial nint GetType(nint tensor, out int type);

    [LibraryImport(Library, EntryPoint = "OgaTensorGetShapeRank")]
    private static partial nint GetShapeRank(nint tensor, out nuint rank);

    [LibraryImport(Library, EntryPoint = "OgaTensorGetShape")]
    private static partial nint GetShape(nint tensor, long* shape, nuint rank);

    [LibraryImport(Library, EntryPoint = "OgaTensorGetData")]
    private static partial nint GetData(nint tensor, out void* data);

    [LibraryImport(Library, EntryPoint = "OgaDestroyTensor")]
    private static partial void DestroyTensor(nint tensor);

    [LibraryImport(Library, EntryPoint = "OgaResultGetError")]
    private static partial nint GetError(nint result);

    [LibraryImport(Library, EntryPoint = "OgaDestroyResult")]
    private static partial void DestroyResult(nint result);
}
