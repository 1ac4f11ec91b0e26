using Qwen.Onnx.Runtime.Direct;

namespace Qwen.Onnx.Multimodal.Caching;

/// <summary>
/// The KV cache a finished request leaves behind (one <c>past_key_values.*</c> tensor [1, heads, length, head size]
/// per decoder input) with the <see cref="PromptKeys"/> of its positions. The next request takes it once.
/// </summary>
internal sealed class CachedPrefix : IDisposable
{
    private readonly NativeTensor[] _pasts;

    public CachedPrefix(long[] keys, NativeTensor[] pasts)
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
    public NativeTensor[] Take(int length, bool halfPrecision)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Keys.Length);
        var taken = new NativeTensor[_pasts.Length];
        for (int i = 0; i < _pasts.Length; i++)
        {
            if (length == Keys.Length)
            {
                taken[i] = _pasts[i];
                _pasts[i] = default;
            }
            else
            {
                taken[i] = halfPrecision ? Leading<Half>(_pasts[i], length) : Leading<float>(_pasts[i], length);
            }
        }

        return taken;
    }

    public void Dispose()
    {
        for (int i = 0; i < _pasts.Length; i++)
        {
            _pasts[i].Release();
            _pasts[i] = default;
        }
    }

    /// <summary>A copy of the first <paramref name="length"/> positions of a [1, heads, positions, head size] tensor.</summary>
    private static NativeTensor Leading<T>(NativeTensor past, int length)
        where T : unmanaged
    {
        long[] shape = past.GetShape();
        int heads = (int)shape[1], positions = (int)shape[2], headSize = (int)shape[3];
        NativeTensor copy = NativeTensor.Allocate<T>([1, heads, length, headSize]);
        Span<T> source = past.GetData<T>(), destination = copy.GetData<T>();
        for (int h = 0; h < heads; h++)
        {
            source.Slice(h * positions * headSize, length * headSize).CopyTo(destination.Slice(h * length * headSize, length * headSize));
        }

        return copy;
    }
}
