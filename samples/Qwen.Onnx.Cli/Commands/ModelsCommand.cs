using System.CommandLine;
using Qwen.Onnx.Testing;

namespace Qwen.Onnx.Cli.Commands;

/// <summary><c>qwen-onnx models make-tiny</c>: writes a tiny random-weight model in a real export's layout.</summary>
internal static class ModelsCommand
{
    public static Command Create()
    {
        var kind = new Option<string>("--kind") { Description = "text (GenAI layout) or vl (onnx-community Qwen2-VL layout).", DefaultValueFactory = _ => "text" };
        kind.AcceptOnlyFromAmong("text", "vl");
        var output = new Option<DirectoryInfo>("--out") { Description = "The folder to write.", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed of the random weights.", DefaultValueFactory = _ => new TinyQwenConfig().Seed };
        var makeTiny = new Command("make-tiny", "Write a tiny random-weight Qwen model for tests.") { kind, output, seed };
        makeTiny.SetAction(result =>
        {
            DirectoryInfo folder = result.GetValue(output)!;
            var config = new TinyQwenConfig { Seed = result.GetValue(seed) };
            if (result.GetValue(kind) == "vl")
            {
                TinyModelFactory.WriteVisionLanguageModel(folder.FullName, config);
            }
            else
            {
                TinyModelFactory.WriteTextModel(folder.FullName, config);
            }

            Console.WriteLine(folder.FullName);
            return 0;
        });
        return new Command("models", "Model utilities.") { makeTiny };
    }
}
