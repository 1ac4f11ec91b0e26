namespace Qwen.Onnx.Server.Protocol;

/// <summary>The client closed the connection while its answer was being streamed: the generation stops.</summary>
internal sealed class ClientDisconnectedException : OperationCanceledException
{
    public ClientDisconnectedException()
        : base("The client closed the connection.")
    {
    }
}
