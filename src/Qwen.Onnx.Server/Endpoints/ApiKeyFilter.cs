using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Qwen.Onnx.Server.Protocol;

namespace Qwen.Onnx.Server.Endpoints;

/// <summary>With an API key configured, a <c>/v1</c> request needs <c>Authorization: Bearer KEY</c> (compared in constant time) or gets 401.</summary>
internal sealed class ApiKeyFilter(QwenServerOptions options) : IEndpointFilter
{
    private readonly byte[]? _expected = options.ApiKey is string key ? Encoding.UTF8.GetBytes("Bearer " + key) : null;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (_expected is null || CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(context.HttpContext.Request.Headers.Authorization.ToString()), _expected))
        {
            return await next(context).ConfigureAwait(false);
        }

        context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
        bool missing = context.HttpContext.Request.Headers.Authorization.Count == 0;
        await ErrorResults.WriteAsync(context.HttpContext, new ApiError(
            401,
            missing ? "You didn't provide an API key. Send it as 'Authorization: Bearer KEY'." : "Incorrect API key provided.",
            null,
            "invalid_api_key")).ConfigureAwait(false);
        return Results.Empty;
    }
}
