using System.CommandLine;
using System.Text.Json;
using Qwen.Onnx.Tokenization;

namespace Qwen.Onnx.Cli.Commands;

/// <summary><c>qwen-onnx tokenize</c>: the ids of raw text (no chat template; special tokens in the text are recognised).</summary>
internal static class TokenizeCommand
{
    public static Command Create()
    {
        Option<string> model = CliOptions.Model();
        var text = new Option<string?>("--text") { Description = "The text to tokenize." };
        var file = new Option<FileInfo?>("--file") { Description = "A UTF-8 file to tokenize." };
        var command = new Command("tokenize", "Print the token ids of raw text.") { model, text, file, CliOptions.Json };
        command.Validators.Add(r =>
        {
            if (r.GetValue(text) is null == (r.GetValue(file) is null))
            {
                r.AddError("Give exactly one of --text or --file.");
            }
        });
        command.SetAction(async (result, ct) =>
        {
            QwenTokenizer tokenizer = QwenTokenizer.FromFolder(await ModelLoading.ResolveFolderAsync(result.GetValue(model)!, ct));
            string input = result.GetValue(text) ?? File.ReadAllText(result.GetValue(file)!.FullName);
            IReadOnlyList<int> ids = tokenizer.Encode(input);
            Console.WriteLine(result.GetValue(CliOptions.Json) ? JsonSerializer.Serialize(ids) : string.Join(' ', ids));
            return 0;
        });
        return command;
    }
}
