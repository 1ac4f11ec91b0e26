namespace Qwen.Onnx;

/// <summary>The precision variants onnx-community exports ship, told apart by a file-name suffix.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "The names are the exports' own dtype names.")]
public enum OnnxGraphVariant
{
    /// <summary>The first variant present in the order fp32, q8, q4, int8, uint8, q4f16, fp16, bnb4 (most exact first).</summary>
    Auto,

    /// <summary>Float32 weights, no suffix: most exact, largest.</summary>
    Fp32,

    /// <summary>Float16 weights and I/O, suffix <c>_fp16</c>: for GPUs.</summary>
    Fp16,

    /// <summary>8-bit dynamic quantisation, suffix <c>_quantized</c>.</summary>
    Q8,

    /// <summary>4-bit weights with float32 activations, suffix <c>_q4</c>: small and fast on CPU.</summary>
    Q4,

    /// <summary>4-bit weights with float16 activations, suffix <c>_q4f16</c>: for GPUs.</summary>
    Q4F16,

    /// <summary>Signed 8-bit, suffix <c>_int8</c>.</summary>
    Int8,

    /// <summary>Unsigned 8-bit, suffix <c>_uint8</c>.</summary>
    Uint8,

    /// <summary>bitsandbytes 4-bit, suffix <c>_bnb4</c>.</summary>
    Bnb4,
}
