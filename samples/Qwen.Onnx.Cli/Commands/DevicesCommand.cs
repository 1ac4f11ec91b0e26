using System.CommandLine;
using Qwen.Onnx;

namespace Qwen.Onnx.Cli.Commands;

/// <summary><c>qwen-onnx devices</c>: the execution providers the installed runtime packages offer here.</summary>
internal static class DevicesCommand
{
    public static Command Create()
    {
        var command = new Command("devices", "List the execution providers available on this machine.");
        command.SetAction(_ =>
        {
            foreach (ExecutionProvider provider in QwenModel.GetAvailableProviders())
            {
                Console.WriteLine(ExecutionProviderPackages.ShortName(provider));
            }

            return 0;
        });
        return command;
    }
}
