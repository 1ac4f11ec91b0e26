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
    public static ModelProto Build(TinyQwenConfig config, int patchSize, string gridInputName)
    {
        var g = new OnnxGraphBuilder("qwen_vl_tiny_vision_encoder");
        var w = new WeightSource(config.Seed + 101);
        int patchLength = 3 * 2 * patchSize * patchSize;
        g.Input("pixel_values", DataType.Float, "num_patches", patchLength);
        g.Input(gridInputName, DataType.Int64, "num_images", 3);
        g.Output("image_features", DataType.Float, "num_image_tokens", config.HiddenSize);
        string merged = g.Op("Reshape", ["pixel_values", g.Vector(-1, 4L * patchLength)]);
        string weight = g.Floats("merger.weight", w.Uniform(4 * patchLength * config.HiddenSize, 1f / MathF.Sqrt(4 * patchLength) * 1.7f), 4L * patchLength, config.HiddenSize);
        string projected = g.Op("Tanh", [g.Op("MatMul", [merged, weight])]);
        string gridSum = g.Op("Cast", [g.Op("ReduceSum", [gridInputName], ("keepdims", 0L))], ("to", (long)DataType.Float));
        g.OpNamed("image_features", "Add", [projected, g.Op("Mul", [gridSum, g.Scalar(1e-3f)])]);
        return g.ToModel();
    }
}
