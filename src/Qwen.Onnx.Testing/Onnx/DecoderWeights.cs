namespace Qwen.Onnx.Testing.Onnx;

/// <summary>
/// The weight-bearing parts of <see cref="DecoderGraph"/>: how tokens are embedded, how projections and the output head
/// are written (which operators, which precision, where the bytes go) and the norm scales. The graph's structure is
/// the same for every implementation.
/// </summary>
internal abstract class DecoderWeights
{
    /// <summary>Token ids [B, S] to float embeddings [B, S, hidden].</summary>
    public abstract string Embed(OnnxGraphBuilder g, string ids);

    /// <summary>The normed float hidden state [B, S, hidden] to float logits [B, S, vocab].</summary>
    public abstract string Head(OnnxGraphBuilder g, string x);

    /// <summary>A float projection x·W (+ b) from <paramref name="inputs"/> to <paramref name="outputs"/> features.</summary>
    public abstract string Linear(OnnxGraphBuilder g, string x, string name, int inputs, int outputs, bool bias);

    /// <summary>The float scale initializer of an RMSNorm.</summary>
    public abstract string Norm(OnnxGraphBuilder g, string name, int size);
}
