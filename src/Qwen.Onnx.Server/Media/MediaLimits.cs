namespace Qwen.Onnx.Server.Media;

/// <summary>What media a request may carry: the byte limit, and whether (and how long) remote URLs may be fetched.</summary>
/// <param name="MaxBytes">The largest decoded or fetched file.</param>
/// <param name="AllowRemote">Whether http(s) image URLs are fetched.</param>
/// <param name="RemoteTimeout">How long one fetch may take.</param>
internal sealed record MediaLimits(int MaxBytes, bool AllowRemote, TimeSpan RemoteTimeout);
