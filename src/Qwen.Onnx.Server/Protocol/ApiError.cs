namespace Qwen.Onnx.Server.Protocol;

/// <summary>
/// A request the server refuses, with the HTTP status and OpenAI's error fields; the endpoints turn it into
/// <c>{"error":{"message","type","param","code"}}</c>.
/// </summary>
internal sealed class ApiError : Exception
{
    public ApiError(int status, string message, string? param = null, string? code = null, string type = "invalid_request_error")
        : base(message)
    {
        Status = status;
        Param = param;
        Code = code;
        Type = type;
    }

    public int Status { get; }

    public string? Param { get; }

    public string? Code { get; }

    public string Type { get; }

    /// <summary>Seconds a client should wait before retrying (sent as <c>Retry-After</c>), when the refusal is temporary.</summary>
    public int? RetryAfterSeconds { get; init; }

    public static ApiError Invalid(string param, string message, string? code = null) => new(400, message, param, code);
}
