using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Qwen.Onnx.Testing.Onnx;

/// <summary>
/// A tiny stand-in for Qwen-VL's vision tower with the onnx-community contract: <c>pixel_values</c> [N, 3·2·P·P] and
/// <c>grid_thw</c> (or <c>image_grid_thw</c>) [images, 3] in, <c>image_features</c> [N/4, hidden] out. Like the real
/// merger it maps each group of four consecutive patch rows (one 2×2 merge block) to one feature row; the grid adds
/// a small bias, so a wrong grid changes the output.
/// </summary>
internal static class VisionEncoderGraph
{
    /// <param name="config">Shape and seed.</param>
    /// <param name="patchSize">14 or 16.</param>
    /// <param name="gridInputName">grid_thw (Qwen2-VL) or image_grid_thw.</param>
    /// <param name="halfPrecision">float16 input and output, as the _fp16 exports have (same weights, computed in float).</param>
    public static ModelProto Build(TinyQwenConfig config, int patchSize, string gridInputName, bool halfPrecision = false)
    {
        var g = new OnnxGraphBuilder("qwen_vl_tiny_vision_encoder");
        var w = new WeightSource(config.Seed + 101);
        int patchLength = 3 * 2 * patchSize * patchSize;
        DataType io = halfPrecision ? DataType.Float16 : DataType.Float;
        g.Input("pixel_values", io, "num_patches", patchLength);
        g.Input(gridInputName, DataType.Int64, "num_images", 3);
        g.Output("image_features", io, "num_image_tokens", config.HiddenSize);
        string pixels = halfPrecision ? g.Op("Cast", ["pixel_values"], ("to", (long)DataType.Float)) : "pixel_values";
        string merged = g.Op("Reshape", [pixels, g.Vector(-1, 4L * patchLength)]);
        string weight = g.Floats("merger.weight", w.Uniform(4 * patchLength * config.HiddenSize, 1f / MathF.Sqrt(4 * patchLength) * 1.7f), 4L * patchLength, config.HiddenSize);
        string projected = g.Op("Tanh", [g.Op("MatMul", [merged, weight])]);
        string gridSum = g.Op("Cast", [g.Op("ReduceSum", [gridInputName], ("keepdims", 0L))], ("to", (long)DataType.Float));
        string features = g.Op("Add", [projected, g.Op("Mul", [gridSum, g.Scalar(1e-3f)])]);
        g.OpNamed("image_features", "Cast", [features], ("to", (long)io));
        return g.ToModel();
    }
}
