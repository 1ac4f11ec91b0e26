namespace Qwen.Onnx.Runtime;

/// <summary>A call into ONNX Runtime's native API failed; the message is ONNX Runtime's own.</summary>
public sealed class OnnxRuntimeCallException : QwenOnnxException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="errorCode">ONNX Runtime's <c>OrtErrorCode</c>.</param>
    /// <param name="message">ONNX Runtime's message.</param>
    public OnnxRuntimeCallException(int errorCode, string message)
        : base($"ONNX Runtime error {errorCode}: {message}")
    {
        ErrorCode = errorCode;
    }

    /// <summary>ONNX Runtime's <c>OrtErrorCode</c> (for example 1 = fail, 2 = invalid argument, 6 = runtime exception).</summary>
    public int ErrorCode { get; }
}
