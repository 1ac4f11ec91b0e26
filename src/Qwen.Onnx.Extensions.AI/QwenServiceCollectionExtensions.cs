using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Qwen.Onnx.Extensions.AI;

/// <summary>Registers a Qwen model as the application's <see cref="IChatClient"/>.</summary>
public static class QwenServiceCollectionExtensions
{
    /// <summary>
    /// Adds a <see cref="QwenChatClient"/> singleton through <c>AddChatClient</c>, so the returned builder can add
    /// logging, OpenTelemetry or function invocation. Resolving the client never loads the model on the resolving
    /// thread: a hosted service loads it asynchronously while the host starts (a load failure stops the host with the
    /// typed error, and is logged), and without a host the first request starts the load and waits for it. Options are
    /// validated when the host starts; the model logs through the container's <see cref="ILoggerFactory"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the model path and device.</param>
    public static ChatClientBuilder AddQwenChatClient(this IServiceCollection services, Action<QwenChatClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<QwenChatClientOptions>()
            .Configure(configure)
            .Validate(o => Directory.Exists(o.ModelPath), "QwenChatClientOptions.ModelPath must be an existing model folder.")
            .Validate(o => o.DeviceId >= 0 && o.MaxConcurrentRequests is null or > 0 && Enum.IsDefined(o.Provider), "QwenChatClientOptions: DeviceId must be ≥ 0, MaxConcurrentRequests ≥ 1, Provider cpu, cuda or dml.")
            .ValidateOnStart();
        services.AddSingleton(provider =>
        {
            QwenChatClientOptions options = provider.GetRequiredService<IOptions<QwenChatClientOptions>>().Value;
            var modelOptions = new QwenModelOptions
            {
                Provider = options.Provider,
                DeviceId = options.DeviceId,
                AllowCpuFallback = options.AllowCpuFallback,
                GraphVariant = options.GraphVariant,
                MaxConcurrentRequests = options.MaxConcurrentRequests,
                LoggerFactory = provider.GetService<ILoggerFactory>(),
            };
            return new QwenModelSource(
                options.ModelPath,
                cancellationToken => QwenModel.LoadAsync(options.ModelPath, modelOptions, cancellationToken),
                modelOptions.LoggerFactory?.CreateLogger<QwenChatClient>());
        });
        services.AddHostedService<QwenModelWarmup>();

        // The container disposes the model source (and with it the model); the client only borrows it.
        return services.AddChatClient(provider => new QwenChatClient(provider.GetRequiredService<QwenModelSource>()));
    }
}
