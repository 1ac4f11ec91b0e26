using System.CommandLine;
using System.Text.Json;
using Qwen.Onnx;

namespace Qwen.Onnx.Cli.Commands;

/// <summary><c>qwen-onnx run</c>: one request, streamed as text or printed as one JSON object.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        Option<string> model = CliOptions.Model();
        var prompt = new Option<string>("--prompt", "-p") { Description = "The user's message.", Required = true };
        var system = new Option<string?>("--system") { Description = "A system prompt." };
        var images = new Option<string[]>("--image") { Description = "An image file (repeatable; needs a vision model)." };
        var audios = new Option<string[]>("--audio") { Description = "An audio file (repeatable; needs an audio model)." };
        var generation = new GenerationArguments();
        var command = new Command("run", "Answer one prompt.") { model, prompt, system, images, audios, CliOptions.Json };
        generation.AddTo(command);
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
            var request = new QwenChatRequest(messages, generation.Generation(result));
            request.Options.Validate();

            await using QwenModel qwen = await ModelLoading.LoadAsync(result.GetValue(model)!, generation.Model(result), ct);
            bool json = result.GetValue(CliOptions.Json);
            QwenChatResponse response = await Streaming.PrintAsync(qwen, request, ct, echo: !json);
            if (json)
            {
                Console.WriteLine(JsonSerializer.Serialize(RunResult.From(qwen, response), CliJson.Options));
            }
            else
            {
                Console.WriteLine();
                Console.Error.WriteLine(Streaming.Summary(qwen, response));
            }

            return response.FinishReason == FinishReason.Cancelled ? 130 : 0;
        });
        return command;
    }
}
