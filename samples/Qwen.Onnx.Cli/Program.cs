using System.CommandLine;
using Qwen.Onnx.Cli;
using Qwen.Onnx.Cli.Commands;

var root = new RootCommand("qwen-onnx: run Qwen models locally through ONNX Runtime.")
{
    CliOptions.Verbose,
};
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(ChatCommand.Create());
root.Subcommands.Add(TokenizeCommand.Create());
root.Subcommands.Add(InspectCommand.Create());
root.Subcommands.Add(ModelsCommand.Create());
root.Subcommands.Add(DevicesCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(PullCommand.Create());
root.Subcommands.Add(ServeCommand.Create());

ParseResult parsed = root.Parse(args);
try
{
    return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e)
{
    // One clear line by default; the stack trace only when asked for.
    Console.Error.WriteLine(parsed.GetValue(CliOptions.Verbose) ? e.ToString() : $"error: {e.Message}");
    return 1;
}
