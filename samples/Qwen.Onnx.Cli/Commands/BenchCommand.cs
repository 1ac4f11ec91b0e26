using System.CommandLine;
using System.Text.Json;
using Qwen.Onnx.Cli.Benchmarks;

namespace Qwen.Onnx.Cli.Commands;

/// <summary><c>qwen-onnx bench</c>: in-process medians of generation through the SDK against a bare GenAI loop.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        Option<string> model = CliOptions.Model();
        var prompt = new Option<string>("--prompt") { Description = "The user's message.", DefaultValueFactory = _ => "Write a short story about a robot learning to paint." };
        var maxNewTokens = new Option<int>("--max-new-tokens") { Description = "Tokens generated per run.", DefaultValueFactory = _ => 128 };
        var runs = new Option<int>("--runs") { Description = "Measured runs after one warm-up.", DefaultValueFactory = _ => 5 };
        var images = new Option<string[]>("--image") { Description = "An image file (vision models)." };
        var audios = new Option<string[]>("--audio") { Description = "An audio file (audio models)." };
        var videos = new Option<string[]>("--video") { Description = "A folder of video frames at 2 fps (vision models)." };
        var streams = new Option<int?>("--streams") { Description = "Run N concurrent requests (onnx-community models: they share decode steps) and report aggregate decode tokens/s and per-stream per-token latency against one stream." };
        streams.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 1)
            {
                r.AddError("--streams takes a count of at least 1.");
            }
        });
        Option<int?> threads = CliOptions.Threads();
        Option<bool> spinning = CliOptions.Spinning();
        Option<bool> int8MatMul = CliOptions.Int8MatMul();
        var sessionConfig = new Option<string[]>("--session-config") { Description = "An ONNX Runtime session config entry key=value (repeatable; onnx-community models), e.g. session.dynamic_block_base=4." };
        sessionConfig.Validators.Add(r =>
        {
            string[] entries = r.GetValueOrDefault<string[]>() ?? [];
            if (entries.FirstOrDefault(e => e.IndexOf('=', StringComparison.Ordinal) <= 0) is { } bad)
            {
                r.AddError($"--session-config takes key=value; got '{bad}'.");
            }
            else if (entries.GroupBy(e => e.Split('=', 2)[0], StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } repeated)
            {
                r.AddError($"--session-config sets '{repeated.Key}' more than once; give each key one value.");
            }
        });
        var tools = new Option<FileInfo?>("--tools") { Description = "Measure the auto tool mode's constraint (free text, or calls of these tools): a JSON array of {name, description, parameters}." };
        var command = new Command("bench", "Measure load, time to first token, decode speed and allocations.") { model, prompt, maxNewTokens, runs, images, videos, audios, streams, threads, spinning, int8MatMul, sessionConfig, tools, CliOptions.Json };
        var format = new ResponseFormatArguments();
        format.AddTo(command);
        command.Validators.Add(r =>
        {
            if (r.GetValue(tools) is not null && (r.GetValue(format.JsonSchema) is not null || r.GetValue(format.JsonObject) || r.GetValue(format.Regex) is not null))
            {
                r.AddError("Give --tools or a response format, not both.");
            }
        });
        command.SetAction(async (result, ct) =>
        {
            if ((result.GetValue(tools) is { } toolsFile ? AutoToolMode(toolsFile) : format.Format(result)) is { IsText: false } constraint)
            {
                // With a format, bench measures what the constraint adds per token on the model's vocabulary.
                ConstraintReport constrained = ConstraintBench.Run(await ModelLoading.ResolveFolderAsync(result.GetValue(model)!, ct), constraint, result.GetValue(maxNewTokens), Math.Max(1, result.GetValue(runs)));
                Console.WriteLine(result.GetValue(CliOptions.Json) ? JsonSerializer.Serialize(constrained, CliJson.Options) : constrained.ToText());
                return 0;
            }

            var settings = new BenchSettings(await ModelLoading.ResolveFolderAsync(result.GetValue(model)!, ct), result.GetValue(prompt)!, result.GetValue(maxNewTokens), Math.Max(1, result.GetValue(runs)), result.GetValue(images) ?? [], result.GetValue(audios) ?? [], result.GetValue(videos) ?? [], result.GetValue(threads), result.GetValue(spinning),
                (result.GetValue(sessionConfig) ?? []).Select(e => e.Split('=', 2)).ToDictionary(p => p[0], p => p[1]), result.GetValue(int8MatMul));
            if (result.GetValue(streams) is int count)
            {
                StreamsReport concurrent = await StreamsBench.RunAsync(settings, count, ct);
                Console.WriteLine(result.GetValue(CliOptions.Json) ? JsonSerializer.Serialize(concurrent, CliJson.Options) : concurrent.ToText());
                return 0;
            }

            BenchReport report = await GenerationBench.RunAsync(settings, ct);
            Console.WriteLine(result.GetValue(CliOptions.Json) ? JsonSerializer.Serialize(report, CliJson.Options) : report.ToText());
            return 0;
        });
        command.Subcommands.Add(Preprocess());
        command.Subcommands.Add(Serve());
        return command;
    }

    private static ResponseFormat AutoToolMode(FileInfo file)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(file.FullName));
        return ResponseFormat.TextOrToolCall([.. document.RootElement.EnumerateArray().Select(t => new QwenTool(
            t.GetProperty("name").GetString()!,
            t.TryGetProperty("description", out JsonElement description) ? description.GetString() : null,
            t.TryGetProperty("parameters", out JsonElement parameters) ? parameters.Clone() : null))]);
    }

    private static Command Serve()
    {
        Option<string> model = CliOptions.Model();
        var prompt = new Option<string>("--prompt") { Description = "The user's message.", DefaultValueFactory = _ => "Write a short story about a robot learning to paint." };
        var maxNewTokens = new Option<int>("--max-new-tokens") { Description = "Tokens generated per run.", DefaultValueFactory = _ => 64 };
        var runs = new Option<int>("--runs") { Description = "Measured pairs of runs after two warm-up pairs.", DefaultValueFactory = _ => 20 };
        var command = new Command("serve", "Measure what the HTTP server adds: time to first token and per-token streaming cost over loopback against in-process.") { model, prompt, maxNewTokens, runs, CliOptions.Json };
        command.SetAction(async (result, ct) =>
        {
            ServerBenchReport report = await ServerBench.RunAsync(result.GetValue(model)!, result.GetValue(prompt)!, result.GetValue(maxNewTokens), Math.Max(1, result.GetValue(runs)), ct);
            Console.WriteLine(result.GetValue(CliOptions.Json) ? JsonSerializer.Serialize(report, CliJson.Options) : report.ToText());
            return 0;
        });
        return command;
    }

    private static Command Preprocess()
    {
        Option<string> model = CliOptions.Model();
        var image = new Option<string?>("--image") { Description = "An image file." };
        var audio = new Option<string?>("--audio") { Description = "An audio file." };
        var runs = new Option<int>("--runs") { Description = "Measured runs after one warm-up.", DefaultValueFactory = _ => 20 };
        var command = new Command("preprocess", "Time image or audio preprocessing alone, stage by stage (single-threaded).") { model, image, audio, runs, CliOptions.Json };
        command.Validators.Add(r =>
        {
            if (r.GetValue(image) is null == (r.GetValue(audio) is null))
            {
                r.AddError("Give exactly one of --image or --audio.");
            }
        });
        command.SetAction(async (result, ct) =>
        {
            int count = Math.Max(1, result.GetValue(runs));
            string folder = await ModelLoading.ResolveFolderAsync(result.GetValue(model)!, ct);
            PreprocessReport report = result.GetValue(image) is string imagePath
                ? await ImagePreprocessBench.RunAsync(folder, imagePath, count, ct)
                : await AudioPreprocessBench.RunAsync(folder, result.GetValue(audio)!, count, ct);
            Console.WriteLine(result.GetValue(CliOptions.Json)
                ? JsonSerializer.Serialize(report, CliJson.Options)
                : string.Join(Environment.NewLine, report.Stages.Select(s => $"{s.Key,-20} {s.Value.Ms,9:F3} ms {s.Value.AllocatedBytes,12:N0} B  (fastest {s.Value.MinMs:F3} ms)")) + $"{Environment.NewLine}({report.Summary})");
            return 0;
        });
        return command;
    }
}
