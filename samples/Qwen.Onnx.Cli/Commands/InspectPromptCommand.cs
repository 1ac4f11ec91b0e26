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
        var prompt = new Option<string>("--prompt", "-p") { Description = "The user's message.", Required = true };
        var system = new Option<string?>("--system") { Description = "A system prompt." };
        var images = new Option<string[]>("--image") { Description = "An image file (repeatable)." };
        var audios = new Option<string[]>("--audio") { Description = "An audio file (repeatable)." };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for input_ids.npy and position_ids.npy.", Required = true };
        var command = new Command("prompt", "Write input_ids.npy and position_ids.npy for a request (onnx-community models).") { model, prompt, system, images, audios, output };
        command.SetAction(async (result, ct) =>
        {
            var parts = new List<ContentPart>();
            parts.AddRange((result.GetValue(images) ?? []).Select(ImagePart.FromFile));
            parts.AddRange((result.GetValue(audios) ?? []).Select(AudioPart.FromFile));
            parts.Add(result.GetValue(prompt)!);
            var messages = new List<QwenChatMessage>();
            if (result.GetValue(system) is string systemPrompt)
            {
                messages.Add(QwenChatMessage.System(systemPrompt));
            }

            messages.Add(QwenChatMessage.User([.. parts]));
            using MultimodalEngine engine = await MultimodalEngine.LoadAsync(result.GetValue(model)!, cancellationToken: ct);
            PromptInspection inspection = await engine.InspectPromptAsync(new QwenChatRequest(messages), ct);
            DirectoryInfo folder = result.GetValue(output)!;
            folder.Create();
            int s = inspection.InputIds.Length;
            NpyFile.Write(Path.Combine(folder.FullName, "input_ids.npy"), inspection.InputIds.Select(i => (long)i).ToArray(), 1, s);
            long[] shape = inspection.PositionRows == 3 ? [3, 1, s] : [1, s];
            NpyFile.Write(Path.Combine(folder.FullName, "position_ids.npy"), inspection.PositionIds, shape);
            var summary = new { prompt_text = inspection.PromptText, rope_delta = inspection.RopeDelta, num_image_tokens = inspection.ImageTokens, num_audio_tokens = inspection.AudioTokens };
            Console.WriteLine(JsonSerializer.Serialize(summary, CliJson.Options));
            return 0;
        });
        return command;
    }
}
