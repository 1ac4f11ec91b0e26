namespace Qwen.Onnx.Testing.Onnx;

/// <summary>Deterministic random weights: the seeded <see cref="Random"/> gives the same numbers on every .NET version.</summary>
internal sealed class WeightSource(int seed)
{
    private readonly Random _random = new(seed);

    public float[] Uniform(int count, float limit)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)((_random.NextDouble() * 2) - 1) * limit;
        }

        return values;
    }

    public float[] AroundOne(int count)
    {
        float[] values = Uniform(count, 0.1f);
        for (int i = 0; i < count; i++)
        {
            values[i] += 1f;
        }

        return values;
    }
}
