namespace Qwen.Onnx.Testing.Onnx;

/// <summary>
/// The tiny models' weights: inline float initializers drawn from one seeded <see cref="WeightSource"/> in graph order,
/// and an embedding and head that are the sum of two small tables indexed by id mod / div <see cref="HashBase"/>, which
/// keeps a 151936-row vocabulary in a few megabytes (ONNX Runtime folds the head into one matrix at load).
/// </summary>
internal sealed class HashedWeights : DecoderWeights
{
    private const int HashBase = 4096;

    private readonly TinyQwenConfig _c;
    private readonly WeightSource _w;
    private readonly float[] _embedLow;
    private readonly float[] _embedHigh;

    public HashedWeights(TinyQwenConfig config)
    {
        _c = config;
        _w = new WeightSource(config.Seed);
        _embedLow = _w.Uniform(HashBase * _c.HiddenSize, 1f);
        _embedHigh = _w.Uniform(HashRows * _c.HiddenSize, 1f);
    }

    private int HashRows => (_c.VocabSize + HashBase - 1) / HashBase;

    public override string Embed(OnnxGraphBuilder g, string ids)
    {
        string low = g.Floats("embed.low", _embedLow, HashBase, _c.HiddenSize);
        string high = g.Floats("embed.high", _embedHigh, HashRows, _c.HiddenSize);
        string mod = g.Op("Mod", [ids, g.Scalar((long)HashBase)]);
        string div = g.Op("Div", [ids, g.Scalar((long)HashBase)]);
        return g.Op("Add", [g.Op("Gather", [low, mod]), g.Op("Gather", [high, div])]);
    }

    public override string Head(OnnxGraphBuilder g, string x)
    {
        float scale = 2f / MathF.Sqrt(_c.HiddenSize);
        string low = g.Floats("head.low", _w.Uniform(_c.HiddenSize * HashBase, scale), _c.HiddenSize, HashBase);
        string high = g.Floats("head.high", _w.Uniform(_c.HiddenSize * HashRows, scale), _c.HiddenSize, HashRows);
        string ids = g.Op("Range", [g.Scalar(0L), g.Scalar((long)_c.VocabSize), g.Scalar(1L)]);
        string lowCols = g.Op("Gather", [low, g.Op("Mod", [ids, g.Scalar((long)HashBase)])], ("axis", 1L));
        string highCols = g.Op("Gather", [high, g.Op("Div", [ids, g.Scalar((long)HashBase)])], ("axis", 1L));
        return g.Op("MatMul", [x, g.Op("Add", [lowCols, highCols])]);
    }

    public override string Linear(OnnxGraphBuilder g, string x, string name, int inputs, int outputs, bool bias)
    {
        float scale = 1f / MathF.Sqrt(inputs);
        string y = g.Op("MatMul", [x, g.Floats(name + ".weight", _w.Uniform(inputs * outputs, scale * 1.7f), inputs, outputs)]);
        return bias ? g.Op("Add", [y, g.Floats(name + ".bias", _w.Uniform(outputs, 0.1f), outputs)]) : y;
    }

    public override string Norm(OnnxGraphBuilder g, string name, int size) => g.Floats(name, _w.AroundOne(size), size);
}
