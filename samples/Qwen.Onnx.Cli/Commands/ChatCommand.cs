using System.CommandLine;
using Qwen.Onnx;

namespace Qwen.Onnx.Cli.Commands;

/// <summary>
/// <c>qwen-onnx chat</c>: an interactive multi-turn conversation; <c>/image FILE</c> and <c>/audio FILE</c> attach media
/// to the next message; an empty line or /exit ends it.
/// </summary>
internal static class ChatCommand
{
    public static Command Create()
    {
        Option<string> model = CliOptions.Model();
        var system = new Option<string?>("--system") { Description = "A system prompt." };
        var generation = new GenerationArguments();
        var command = new Command("chat", "Chat with a model, turn by turn (/image FILE and /audio FILE attach media; /exit or an empty line ends).") { model, system };
        generation.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            GenerationOptions options = generation.Generation(result);
            options.Validate();
            await using QwenModel qwen = await ModelLoading.LoadAsync(result.GetValue(model)!, generation.Model(result), ct);
            var history = new List<QwenChatMessage>();
            if (result.GetValue(system) is string systemPrompt)
            {
                history.Add(QwenChatMessage.System(systemPrompt));
            }

            var attachments = new List<ContentPart>();
            while (!ct.IsCancellationRequested)
            {
                Console.Write("you> ");
                string? line = Console.ReadLine();
                if (string.IsNullOrWhiteSpace(line) || line.Trim() == "/exit")
                {
                    break;
                }

                if (line.StartsWith("/image ", StringComparison.Ordinal) || line.StartsWith("/audio ", StringComparison.Ordinal))
                {
                    string file = line[7..].Trim();
                    attachments.Add(line[1] == 'i' ? ImagePart.FromFile(file) : AudioPart.FromFile(file));
                    Console.WriteLine($"(attached {file} to your next message)");
                    continue;
                }

                history.Add(QwenChatMessage.User([.. attachments, line]));
                attachments.Clear();
                Console.Write("qwen> ");
                QwenChatResponse answer = await Streaming.PrintAsync(qwen, new QwenChatRequest(history, options), ct);
                Console.WriteLine();
                history.Add(QwenChatMessage.Assistant(answer.Text));
            }

            return 0;
        });
        return command;
    }
}
