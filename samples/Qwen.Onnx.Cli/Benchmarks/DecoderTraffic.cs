using Onnx;
using Qwen.Onnx.Models;

namespace Qwen.Onnx.Cli.Benchmarks;

/// <summary>
/// What one decode step must read from memory, from the decoder graph itself: every initializer's bytes (external data
/// included, read from the tensors' shapes and types, not file sizes), except tables only ever gathered from (the token
/// embedding: one row per token), plus the KV cache of every layer at the current length.
/// </summary>
/// <param name="WeightBytes">Initializer bytes a step reads.</param>
/// <param name="KvBytesPerPosition">KV-cache bytes per cached position, over all layers, keys and values.</param>
internal sealed record DecoderTraffic(long WeightBytes, long KvBytesPerPosition)
{
    public static DecoderTraffic Of(string modelFolder)
    {
        ModelProto model;
        using (FileStream file = File.OpenRead(DecoderPath(modelFolder)))
        {
            model = ModelProto.Parser.ParseFrom(file);
        }

        GraphProto graph = model.Graph;
        var gathered = graph.Node.Where(n => n.OpType is "Gather" or "GatherBlockQuantized").Select(n => n.Input[0]).ToHashSet();
        var readElsewhere = graph.Node.Where(n => n.OpType is not ("Gather" or "GatherBlockQuantized")).SelectMany(n => n.Input).ToHashSet();
        long weights = graph.Initializer.Where(t => !gathered.Contains(t.Name) || readElsewhere.Contains(t.Name)).Sum(Bytes);
        long kv = graph.Input.Where(i => i.Name.StartsWith("past_key_values.", StringComparison.Ordinal)).Sum(i =>
        {
            TypeProto.Types.Tensor tensor = i.Type.TensorType;
            return tensor.Shape.Dim.Where(d => d.DimValue > 0).Aggregate(ElementBytes(tensor.ElemType), (product, d) => product * d.DimValue);
        });
        return new DecoderTraffic(weights, kv);
    }

    /// <summary>The decoder graph the engine loads: GenAI's named file, or the onnx-community variant Auto picks.</summary>
    private static string DecoderPath(string folder)
    {
        ModelFolder inspected = ModelFolder.Inspect(folder);
        if (inspected.Layout == ModelLayout.GenAi)
        {
            string? name = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "genai_config.json")))?["model"]?["decoder"]?["filename"]?.GetValue<string>();
            return Path.Combine(folder, name ?? "model.onnx");
        }

        string[] names = [.. Directory.EnumerateFiles(Path.Combine(folder, "onnx")).Select(Path.GetFileName).OfType<string>()];
        string graph = OnnxGraphFiles.GraphsToLoad(names).Contains("decoder_model_merged") ? "decoder_model_merged" : "model";
        string relative = OnnxGraphFiles.Choose(graph, OnnxGraphVariant.Auto, path => File.Exists(Path.Combine(folder, path))).RelativePath
            ?? throw new FileNotFoundException($"No {graph} graph in {folder}/onnx.");
        return Path.Combine(folder, relative);
    }

    private static long Bytes(TensorProto tensor) => tensor.Dims.Aggregate(ElementBytes(tensor.DataType), (product, d) => product * d);

    private static long ElementBytes(int type) => (TensorProto.Types.DataType)type switch
    {
        TensorProto.Types.DataType.Float16 or TensorProto.Types.DataType.Bfloat16 or TensorProto.Types.DataType.Int16 or TensorProto.Types.DataType.Uint16 => 2,
        TensorProto.Types.DataType.Uint8 or TensorProto.Types.DataType.Int8 or TensorProto.Types.DataType.Bool => 1,
        TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Double or TensorProto.Types.DataType.Uint64 => 8,
        _ => 4,
    };
}
