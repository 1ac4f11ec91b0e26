using System.CommandLine;
using Qwen.Onnx;

namespace Qwen.Onnx.Cli;

/// <summary>Options shared by several commands.</summary>
internal static class CliOptions
{
    public static readonly Option<bool> Verbose = new("--verbose") { Description = "Print stack traces with errors.", Recursive = true };

    public static Option<string> Model() => new("--model", "-m") { Description = "The model folder, or a Hub repo id (org/name[@revision]): cached, else pulled.", Required = true };

    public static readonly Option<bool> Json = new("--json") { Description = "Print one JSON object instead of text." };

    public static Option<int?> Threads() => new("--threads") { Description = "CPU threads per graph run (default: one per logical processor)." };

    public static Option<bool> Spinning() => new("--spinning") { Description = "Let ONNX Runtime's threads spin between runs instead of sleeping (onnx-community models)." };

    public static Option<bool> Int8MatMul() => new("--int8-matmul") { Description = "Compute 4-bit MatMulNBits layers in int8 (accuracy_level 4; onnx-community models): faster, numerics change slightly." };
}

/// <summary>The generation and device options of run, chat and demo.</summary>
internal sealed class GenerationArguments
{
    public Option<int> MaxNewTokens { get; } = new("--max-new-tokens") { Description = "Most tokens to generate.", DefaultValueFactory = _ => 256 };

    public Option<float?> Temperature { get; } = new("--temperature") { Description = "Sampling temperature (turns sampling on)." };

    public Option<float?> TopP { get; } = new("--top-p") { Description = "Nucleus sampling probability mass (turns sampling on)." };

    public Option<int?> TopK { get; } = new("--top-k") { Description = "Sample from the K most likely tokens (turns sampling on)." };

    public Option<float?> RepetitionPenalty { get; } = new("--repetition-penalty") { Description = "Penalty for repeated tokens (> 1 discourages)." };

    public Option<int?> Seed { get; } = new("--seed") { Description = "Random seed for sampling." };

    public Option<bool> Greedy { get; } = new("--greedy") { Description = "Always take the most likely token." };

    public Option<string[]> Stop { get; } = new("--stop") { Description = "A stop sequence (repeatable).", AllowMultipleArgumentsPerToken = false };

    public Option<bool?> Thinking { get; } = new("--thinking") { Description = "Qwen3: true or false to switch thinking on or off." };

    public Option<string> Device { get; } = new("--device") { Description = "cpu, cuda or dml.", DefaultValueFactory = _ => "cpu" };

    public Option<int> DeviceId { get; } = new("--device-id") { Description = "CUDA device id or DirectML adapter index." };

    public Option<bool> CpuFallback { get; } = new("--cpu-fallback") { Description = "Run on the CPU (with a warning) when the device is unavailable." };

    public Option<int?> Threads { get; } = CliOptions.Threads();

    public Option<bool> Spinning { get; } = CliOptions.Spinning();

    public Option<bool> Int8MatMul { get; } = CliOptions.Int8MatMul();

    public ResponseFormatArguments Format { get; } = new();

    public void AddTo(Command command)
    {
        Format.AddTo(command);
        foreach (Option option in new Option[] { MaxNewTokens, Temperature, TopP, TopK, RepetitionPenalty, Seed, Greedy, Stop, Thinking, Device, DeviceId, CpuFallback, Threads, Spinning, Int8MatMul })
        {
            command.Options.Add(option);
        }
    }

    public GenerationOptions Generation(ParseResult result) => new()
    {
        MaxNewTokens = result.GetValue(MaxNewTokens),
        Temperature = result.GetValue(Temperature),
        TopP = result.GetValue(TopP),
        TopK = result.GetValue(TopK),
        RepetitionPenalty = result.GetValue(RepetitionPenalty),
        Seed = result.GetValue(Seed),
        Greedy = result.GetValue(Greedy) ? true : null,
        StopSequences = result.GetValue(Stop) ?? [],
        EnableThinking = result.GetValue(Thinking),
        ResponseFormat = Format.Format(result),
    };

    public QwenModelOptions Model(ParseResult result) => new()
    {
        Provider = ExecutionProviderPackages.Parse(result.GetValue(Device) ?? "cpu"),
        DeviceId = result.GetValue(DeviceId),
        AllowCpuFallback = result.GetValue(CpuFallback),
        IntraOpThreads = result.GetValue(Threads),
        AllowThreadSpinning = result.GetValue(Spinning),
        QuantizedMatMulInt8 = result.GetValue(Int8MatMul),
        LoggerFactory = ConsoleLogging.Factory,
    };
}
