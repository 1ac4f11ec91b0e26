using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Qwen.Onnx.Testing.Onnx;

/// <summary>
/// A tiny stand-in for Qwen2-Audio's Whisper encoder with this project's contract: <c>input_features</c>
/// [B, mels, 3000] and <c>feature_attention_mask</c> int64 [B, 3000] in, <c>audio_features</c> [B, 750, hidden] out.
/// Like the real encoder (stride-2 convolution, then pooling by 2) each output row covers four mel frames; rows whose
/// frames are all masked come out zero, so the mask visibly matters.
/// </summary>
internal static class AudioEncoderGraph
{
    public static ModelProto Build(TinyQwenConfig config, int mels = 128)
    {
        var g = new OnnxGraphBuilder("qwen_audio_tiny_encoder");
        var w = new WeightSource(config.Seed + 202);
        g.Input("input_features", DataType.Float, "batch_size", mels, 3000);
        g.Input("feature_attention_mask", DataType.Int64, "batch_size", 3000);
        g.Output("audio_features", DataType.Float, "batch_size", 750, config.HiddenSize);
        string frames = g.Op("Reshape", [g.Op("Transpose", ["input_features"], ("perm", new long[] { 0, 2, 1 })), g.Vector(0, 750, 4L * mels)]);
        string weight = g.Floats("encoder.weight", w.Uniform(4 * mels * config.HiddenSize, 1.7f / MathF.Sqrt(4 * mels)), 4L * mels, config.HiddenSize);
        string projected = g.Op("Tanh", [g.Op("MatMul", [frames, weight])]);
        string audible = g.Op("ReduceMax", [g.Op("Reshape", [g.Op("Cast", ["feature_attention_mask"], ("to", (long)DataType.Float)), g.Vector(0, 750, 4)])], ("axes", new long[] { -1 }), ("keepdims", 1L));
        g.OpNamed("audio_features", "Mul", [projected, audible]);
        return g.ToModel();
    }
}
