using System.CommandLine;
using Qwen.Onnx.Testing;

namespace Qwen.Onnx.Cli.Commands;

/// <summary><c>qwen-onnx models make-tiny</c>: writes a tiny random-weight model in a real export's layout.</summary>
internal static class ModelsCommand
{
    public static Command Create()
    {
        var kind = new Option<string>("--kind") { Description = "text (GenAI layout), text-onnx (onnx-community text export), vl (onnx-community Qwen2-VL), audio (Qwen2-Audio layout of models/README.md) or omni (both encoders).", DefaultValueFactory = _ => "text" };
        kind.AcceptOnlyFromAmong("text", "text-onnx", "vl", "audio", "omni");
        var output = new Option<DirectoryInfo>("--out") { Description = "The folder to write.", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed of the random weights.", DefaultValueFactory = _ => new TinyQwenConfig().Seed };
        var makeTiny = new Command("make-tiny", "Write a tiny random-weight Qwen model for tests.") { kind, output, seed };
        makeTiny.SetAction(result =>
        {
            DirectoryInfo folder = result.GetValue(output)!;
            var config = new TinyQwenConfig { Seed = result.GetValue(seed) };
            Action<string, TinyQwenConfig> write = result.GetValue(kind) switch
            {
                "vl" => TinyModelFactory.WriteVisionLanguageModel,
                "audio" => TinyModelFactory.WriteAudioLanguageModel,
                "omni" => TinyModelFactory.WriteOmniModel,
                "text-onnx" => TinyModelFactory.WriteOnnxCommunityTextModel,
                _ => TinyModelFactory.WriteTextModel,
            };
            write(folder.FullName, config);

            Console.WriteLine(folder.FullName);
            return 0;
        });
        return new Command("models", "Model utilities.") { makeTiny, MakeSynthetic(), CachedModelsCommands.List(), CachedModelsCommands.Remove() };
    }

    /// <summary><c>models make-synthetic</c>: a random-weight model with a real checkpoint's shapes, for benchmarks.</summary>
    private static Command MakeSynthetic()
    {
        var shape = new Option<string>("--shape") { Description = "qwen2.5-0.5b, qwen2.5-1.5b or qwen2-vl-2b.", DefaultValueFactory = _ => "qwen2.5-0.5b" };
        shape.AcceptOnlyFromAmong("qwen2.5-0.5b", "qwen2.5-1.5b", "qwen2-vl-2b");
        var precision = new Option<string>("--precision") { Description = "fp32 (MatMul), fp16 (float16 MatMul and I/O) or q4 (MatMulNBits, block 32).", DefaultValueFactory = _ => "fp32" };
        precision.AcceptOnlyFromAmong("fp32", "fp16", "q4");
        var layout = new Option<string>("--layout") { Description = "genai (genai_config.json, model.onnx.data), onnx-community (onnx/model*.onnx, *.onnx_data) or gguf (model-f32/f16/q4_0.gguf for llama.cpp, same weights; text shapes).", DefaultValueFactory = _ => "onnx-community" };
        layout.AcceptOnlyFromAmong("genai", "onnx-community", "gguf");
        var output = new Option<DirectoryInfo>("--out") { Description = "The folder to write.", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed of the random weights.", DefaultValueFactory = _ => new TinyQwenConfig().Seed };
        var command = new Command("make-synthetic", "Write a random-weight model with a real checkpoint's shapes and operators (gigabytes), for benchmarks.") { shape, precision, layout, output, seed };
        command.SetAction(result =>
        {
            DirectoryInfo folder = result.GetValue(output)!;
            SyntheticShape chosen = result.GetValue(shape) switch { "qwen2.5-1.5b" => SyntheticShape.Qwen25OneAndHalfB, "qwen2-vl-2b" => SyntheticShape.Qwen2Vl2B, _ => SyntheticShape.Qwen25HalfB };
            SyntheticPrecision bits = result.GetValue(precision) switch { "fp16" => SyntheticPrecision.Fp16, "q4" => SyntheticPrecision.Q4, _ => SyntheticPrecision.Fp32 };
            SyntheticLayout files = result.GetValue(layout) switch { "genai" => SyntheticLayout.GenAi, "gguf" => SyntheticLayout.Gguf, _ => SyntheticLayout.OnnxCommunity };
            try
            {
                SyntheticModelFactory.Write(folder.FullName, chosen, bits, files, result.GetValue(seed));
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }

            Console.WriteLine(folder.FullName);
            return 0;
        });
        return command;
    }
}
