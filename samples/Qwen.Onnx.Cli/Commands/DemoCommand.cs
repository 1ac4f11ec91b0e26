using System.CommandLine;
using Qwen.Onnx.Testing;

namespace Qwen.Onnx.Cli.Commands;

/// <summary><c>qwen-onnx demo</c>: builds (or reuses) the tiny model and streams one answer end to end with timings.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var prompt = new Option<string>("--prompt") { Description = "The question.", DefaultValueFactory = _ => "Give me three facts about Hangzhou." };
        var model = new Option<string?>("--model", "-m") { Description = "A real model folder; without it the built-in tiny model is used." };
        var maxNewTokens = new Option<int>("--max-new-tokens") { DefaultValueFactory = _ => 48, Description = "Most tokens to generate." };
        var command = new Command("demo", "Stream an answer end to end; uses a built-in tiny random-weight model unless --model is given.") { prompt, model, maxNewTokens };
        command.SetAction(async (result, ct) =>
        {
            string? path = result.GetValue(model);
            if (path is null)
            {
                path = TinyModelFactory.GetOrCreateTextModel();
                Console.Error.WriteLine($"No --model given: using the tiny random-weight Qwen2 model in {path} (its text is gibberish; its timings are real).");
            }

            await using QwenModel qwen = await ModelLoading.LoadAsync(path, new QwenModelOptions { LoggerFactory = ConsoleLogging.Factory }, ct);
            var request = QwenChatRequest.FromPrompt(result.GetValue(prompt)!, "You are a helpful assistant.", new GenerationOptions { MaxNewTokens = result.GetValue(maxNewTokens) });
            Console.WriteLine($"> {request.Messages[^1].Text}");
            QwenChatResponse response = await Streaming.PrintAsync(qwen, request, ct);
            Console.WriteLine();
            Console.WriteLine(Streaming.Summary(qwen, response));
            return 0;
        });
        return command;
    }
}
