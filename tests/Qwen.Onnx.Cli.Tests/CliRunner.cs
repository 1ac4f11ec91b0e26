using System.Reflection;

namespace Qwen.Onnx.Cli.Tests;

/// <summary>Runs qwen-onnx in process with captured standard output and error. Tests using it must not run in parallel.</summary>
internal static class CliRunner
{
    private static readonly Lock Gate = new();

    public static (int ExitCode, string Out, string Error) Run(params string[] args)
    {
        lock (Gate)
        {
            TextWriter originalOut = Console.Out, originalError = Console.Error;
            var output = new StringWriter();
            var error = new StringWriter();
            Console.SetOut(output);
            Console.SetError(error);
            try
            {
                MethodInfo main = Assembly.Load("qwen-onnx").EntryPoint!;
                object? result = main.Invoke(null, [args]);
                int code = result is Task<int> task ? task.GetAwaiter().GetResult() : (int)result!;
                return (code, output.ToString(), error.ToString());
            }
            finally
            {
                Console.SetOut(originalOut);
                Console.SetError(originalError);
            }
        }
    }
}
