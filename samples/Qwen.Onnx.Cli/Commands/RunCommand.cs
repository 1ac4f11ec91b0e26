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
        var conversation = new PromptArguments();
        var generation = new GenerationArguments();
        var command = new Command("run", "Answer one prompt.") { model, CliOptions.Json };
        conversation.AddTo(command);
        generation.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            QwenChatRequest request = conversation.Request(result, generation.Generation(result));
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
