using Qwen.Onnx.Runtime.Direct;

namespace Qwen.Onnx.Multimodal.Caching;

/// <summary>
/// The KV cache a finished request leaves behind (one <c>past_key_values.*</c> tensor [1, heads, length, head size]
/// per decoder input) with the <see cref="PromptKeys"/> of its positions. The next request takes it once.
/// </summary>
internal sealed class CachedPrefix : IDisposable
{
    private readonly OwnedTensors _pasts;

    public CachedPrefix(long[] keys, OwnedTensors pasts)
    {
        Keys = keys;
        _pasts = pasts;
    }

    public long[] Keys { get; }

    /// <summary>How many leading positions <paramref name="keys"/> shares with the cache.</summary>
    public int CommonPrefix(ReadOnlySpan<long> keys) => keys.CommonPrefixLength(Keys);

    /// <summary>
    /// Hands over the cache of the first <paramref name="length"/> positions: the tensors themselves when that is all
    /// of them, copies of their leading positions otherwise. The caller owns what is returned.
    /// </summary>
    public OwnedTensors Take(int length, bool halfPrecision)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Keys.Length);
        var taken = new OwnedTensors(_pasts.Count);
        for (int i = 0; i < _pasts.Count; i++)
        {
            if (length == Keys.Length)
            {
                _pasts.MoveTo(i, taken, i);
            }
            else if (halfPrecision)
            {
                Leading<Half>(_pasts[i], length, taken, i);
            }
            else
            {
                Leading<float>(_pasts[i], length, taken, i);
            }
        }

        return taken;
    }

    public void Dispose() => _pasts.Dispose();

    /// <summary>Copies the first <paramref name="length"/> positions of a [1, heads, positions, head size] tensor into a slot of <paramref name="owner"/>.</summary>
    private static void Leading<T>(NativeTensor past, int length, OwnedTensors owner, int slot)
        where T : unmanaged
    {
        long[] shape = past.GetShape();
        int heads = (int)shape[1], positions = (int)shape[2], headSize = (int)shape[3];
        Span<T> source = past.GetData<T>(), destination = owner.Allocate<T>(slot, [1, heads, length, headSize]).GetData<T>();
        for (int h = 0; h < heads; h++)
        {
            source.Slice(h * positions * headSize, length * headSize).CopyTo(destination.Slice(h * length * headSize, length * headSize));
        }
    }
}
