namespace Qwen.Onnx.Multimodal.Caching;

/// <summary>
/// One slot for the KV cache of the last finished request. A request takes it (so concurrent requests never share
/// it) and the next finished request replaces it; the engine frees it on disposal.
/// </summary>
internal sealed class PromptCache : IDisposable
{
    private CachedPrefix? _slot;

    public CachedPrefix? Take() => Interlocked.Exchange(ref _slot, null);

    public void Store(CachedPrefix prefix) => Interlocked.Exchange(ref _slot, prefix)?.Dispose();

    public void Dispose() => Take()?.Dispose();
}
