using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Qwen.Onnx.Multimodal.Caching;

/// <summary>
/// The encoder outputs of the last few images, videos and audio clips, keyed by a 128-bit hash of exactly what the
/// encoder reads (pixel values and grid, or log-mel features and mask), so a follow-up turn about the same picture
/// skips the encoder. Holds at most <c>capacity</c> entries (the oldest leaves first); the arrays are shared and only
/// ever read.
/// </summary>
internal sealed class EncoderFeatureCache(int capacity)
{
    private readonly Lock _sync = new();
    private readonly Dictionary<UInt128, float[]> _entries = [];
    private readonly Queue<UInt128> _order = new();

    /// <summary>Encoder runs the cache could not serve (a diagnostic for tests).</summary>
    public int Misses { get; private set; }

    /// <summary>The cached features of <paramref name="key"/>, or what <paramref name="encode"/> returns (then cached).</summary>
    public float[] GetOrEncode(UInt128 key, Func<float[]> encode)
    {
        lock (_sync)
        {
            if (_entries.TryGetValue(key, out float[]? cached))
            {
                return cached;
            }

            Misses++;
        }

        // Outside the lock: concurrent requests encode different media at the same time.
        float[] features = encode();
        lock (_sync)
        {
            if (_entries.TryAdd(key, features))
            {
                _order.Enqueue(key);
                while (_order.Count > capacity)
                {
                    _entries.Remove(_order.Dequeue());
                }
            }
        }

        return features;
    }

    /// <summary>The key of an encoder input: its values and the integers that shape them.</summary>
    public static UInt128 KeyOf<T>(ReadOnlySpan<float> values, ReadOnlySpan<T> shape)
        where T : unmanaged
    {
        var hash = new XxHash128();
        hash.Append(MemoryMarshal.AsBytes(values));
        hash.Append(MemoryMarshal.AsBytes(shape));
        return hash.GetCurrentHashAsUInt128();
    }
}
