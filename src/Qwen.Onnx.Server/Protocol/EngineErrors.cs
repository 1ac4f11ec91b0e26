using System.Diagnostics.CodeAnalysis;
using Qwen.Onnx.Audio;
using Qwen.Onnx.Vision;

namespace Qwen.Onnx.Server.Protocol;

/// <summary>The engine's refusals of what a client sent, as 400s; anything else is the server's own fault (500).</summary>
internal static class EngineErrors
{
    public static bool TryMap(Exception exception, [NotNullWhen(true)] out ApiError? error)
    {
        error = exception switch
        {
            ApiError api => api,
            PromptTooLongException e => new ApiError(400, e.Message, "messages", "context_length_exceeded"),
            UnsupportedModalityException e => new ApiError(400, e.Message, "messages", "unsupported_modality"),
            InvalidImageException e => new ApiError(400, $"An image could not be decoded: {e.Message}", "messages", "invalid_image"),
            InvalidAudioException e => new ApiError(400, $"An audio clip could not be decoded: {e.Message}", "messages", "invalid_audio"),
            ArgumentException e => new ApiError(400, e.Message, e.ParamName, "invalid_value"),
            NotSupportedException e => new ApiError(400, e.Message, null, "unsupported_value"),
            _ => null,
        };
        return error is not null;
    }

    public static ApiError ServerFault(string requestId) =>
        new(500, $"The server failed to answer request {requestId}; its log has the details.", null, "server_error", "server_error");
}
