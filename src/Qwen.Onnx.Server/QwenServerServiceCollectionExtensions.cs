using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Qwen.Onnx.Server.Endpoints;
using Qwen.Onnx.Server.Hosting;

namespace Qwen.Onnx.Server;

/// <summary>Registers the models and services behind <see cref="QwenServerEndpointRouteBuilderExtensions.MapQwenOpenAI"/>.</summary>
public static class QwenServerServiceCollectionExtensions
{
    /// <summary>
    /// Adds the served models. They load in the background once the host starts (a hosted service, never inside a
    /// DI factory), so the app starts at once and <c>/health</c> reports <c>loading</c> until they are ready; a load
    /// failure is logged and shown by <c>/health</c>. <see cref="ModelCatalog"/> gives the models and their state, and
    /// <see cref="ModelCatalog.WaitUntilReadyAsync"/> waits for them. The catalog frees the models when the host stops.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Adds the models and sets the limits.</param>
    /// <exception cref="ArgumentException">The options are invalid (no model, a duplicate id, a bad limit).</exception>
    public static IServiceCollection AddQwenModels(this IServiceCollection services, Action<QwenServerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new QwenServerOptions();
        configure(options);
        options.Validate();
        services.TryAddSingleton(options);
        services.TryAddSingleton(new ModelCatalog(options));
        services.TryAddSingleton<RequestAdmission>();
        services.TryAddSingleton<RemoteMediaClient>();
        services.TryAddSingleton<ChatCompletionsHandler>();
        services.AddHostedService<ModelLoadingService>();
        return services;
    }
}
