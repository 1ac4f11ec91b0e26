using System.CommandLine;
using System.Text.Json;
using Qwen.Onnx.Multimodal;
using Qwen.Onnx.Testing.NumPy;

namespace Qwen.Onnx.Cli.Commands;

/// <summary><c>qwen-onnx inspect prompt</c>: the ids and position ids a request becomes on a multimodal model.</summary>
internal static class InspectPromptCommand
{
    public static Command Create()
    {
        Option<string> model = CliOptions.Model();
        var conversation = new PromptArguments();
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for input_ids.npy and position_ids.npy.", Required = true };
        var command = new Command("prompt", "Write input_ids.npy and position_ids.npy for a request (onnx-community models).") { model, output };
        conversation.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            using MultimodalEngine engine = await MultimodalEngine.LoadAsync(await ModelLoading.ResolveFolderAsync(result.GetValue(model)!, ct), cancellationToken: ct);
            PromptInspection inspection = await engine.InspectPromptAsync(conversation.Request(result), ct);
            DirectoryInfo folder = result.GetValue(output)!;
            folder.Create();
            int s = inspection.InputIds.Length;
            NpyFile.Write(Path.Combine(folder.FullName, "input_ids.npy"), inspection.InputIds.Select(i => (long)i).ToArray(), 1, s);
            long[] shape = inspection.PositionRows == 3 ? [3, 1, s] : [1, s];
            NpyFile.Write(Path.Combine(folder.FullName, "position_ids.npy"), inspection.PositionIds, shape);
            var summary = new { prompt_text = inspection.PromptText, rope_delta = inspection.RopeDelta, num_image_tokens = inspection.ImageTokens, num_video_tokens = inspection.VideoTokens, num_audio_tokens = inspection.AudioTokens };
            Console.WriteLine(JsonSerializer.Serialize(summary, CliJson.Options));
            return 0;
        });
        return command;
    }
}
