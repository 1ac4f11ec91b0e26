using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Qwen.Onnx.Server.Endpoints;

namespace Qwen.Onnx.Server;

/// <summary>Maps the OpenAI-compatible endpoints, <c>/health</c> and the chat page.</summary>
public static class QwenServerEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>GET /v1/models</c>, <c>POST /v1/chat/completions</c> (both behind the API key when one is set),
    /// <c>GET /health</c>, and the chat page at <c>GET /</c>. Call <see cref="QwenServerServiceCollectionExtensions.AddQwenModels"/> first.
    /// </summary>
    /// <param name="endpoints">The app or a route group.</param>
    /// <returns>The group of all mapped endpoints, for further conventions.</returns>
    public static RouteGroupBuilder MapQwenOpenAI(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.ServiceProvider.GetService<ChatCompletionsHandler>() is null)
        {
            throw new InvalidOperationException("MapQwenOpenAI needs the served models: call services.AddQwenModels(...) when building the app.");
        }

        RouteGroupBuilder root = endpoints.MapGroup(string.Empty);
        RouteGroupBuilder v1 = root.MapGroup("/v1").AddEndpointFilter<ApiKeyFilter>();
        v1.MapGet("/models", InfoEndpoints.Models);
        v1.MapPost("/chat/completions", (HttpContext context, ChatCompletionsHandler handler) => handler.HandleAsync(context));
        root.MapGet("/health", InfoEndpoints.Health);
        foreach ((string route, string resource, string contentType) in ChatPage.Files)
        {
            root.MapGet(route, () => ChatPage.Serve(resource, contentType)).ExcludeFromDescription();
        }

        return root;
    }
}
