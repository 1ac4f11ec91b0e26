using Microsoft.Extensions.Hosting;

namespace Qwen.Onnx.Extensions.AI;

/// <summary>
/// Loads the registered model while the host starts, asynchronously: the application does not serve requests with a
/// model still loading, and a wrong path or a broken export stops the host with the typed error instead of surfacing
/// on the first request.
/// </summary>
internal sealed class QwenModelWarmup(QwenModelSource source) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => source.GetAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
