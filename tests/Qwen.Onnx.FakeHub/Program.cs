using Qwen.Onnx.FakeHub;

// Serves folders as repositories until stdin closes: `Qwen.Onnx.FakeHub org/name=DIR [org/name=DIR]...`.
// Prints the Hub's address first, so scripts (scripts/dev/pull-bench.sh) can point HF_ENDPOINT and curl at it.
if (args.Length == 0 || args.Any(a => !a.Contains('=', StringComparison.Ordinal)))
{
    await Console.Error.WriteLineAsync("usage: Qwen.Onnx.FakeHub org/name=FOLDER [org/name=FOLDER]...");
    return 2;
}

await using FakeHubServer hub = await FakeHubServer.StartAsync();
foreach (string arg in args)
{
    string[] parts = arg.Split('=', 2);
    hub.Add(FakeRepo.FromFolder(parts[0], parts[1]));
}

Console.WriteLine(hub.Endpoint.AbsoluteUri.TrimEnd('/'));
await Console.In.ReadToEndAsync();
return 0;
