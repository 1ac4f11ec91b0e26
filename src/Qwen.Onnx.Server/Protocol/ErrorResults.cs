using Microsoft.AspNetCore.Http;

namespace Qwen.Onnx.Server.Protocol;

/// <summary>Writes an <see cref="ApiError"/> as OpenAI's error body with its status (and <c>Retry-After</c> when set).</summary>
internal static class ErrorResults
{
    public static ErrorEnvelope Envelope(ApiError error) => new(new ErrorBody(error.Message, error.Type, error.Param, error.Code));

    public static async Task WriteAsync(HttpContext context, ApiError error)
    {
        HttpResponse response = context.Response;
        if (response.HasStarted)
        {
            return;
        }

        response.StatusCode = error.Status;
        if (error.RetryAfterSeconds is int seconds)
        {
            response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await response.WriteAsJsonAsync(Envelope(error), ServerJson.Wire.ErrorEnvelope, contentType: "application/json", context.RequestAborted).ConfigureAwait(false);
    }
}
