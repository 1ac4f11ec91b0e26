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
        return new Command("models", "Model utilities.") { makeTiny, CachedModelsCommands.List(), CachedModelsCommands.Remove() };
    }
}
