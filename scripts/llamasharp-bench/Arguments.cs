namespace Qwen.Onnx.LlamaSharpBench;

/// <summary>"--key value" pairs; a key may repeat.</summary>
internal sealed class Arguments(ILookup<string, string> values)
{
    public static Arguments Parse(string[] args)
    {
        if (args.Length % 2 != 0 || args.Where((_, i) => i % 2 == 0).Any(a => !a.StartsWith("--", StringComparison.Ordinal)))
        {
            throw new ArgumentException("usage: llamasharp-bench --label L --gguf FILE --onnx FILE --ids input_ids.npy --prompt-json FILE --ours-run FILE [--ours-bench name=FILE]... --threads N --max-new-tokens N --runs N");
        }

        return new Arguments(Enumerable.Range(0, args.Length / 2).ToLookup(i => args[2 * i][2..], i => args[(2 * i) + 1]));
    }

    public string Single(string key) => values[key].SingleOrDefault() ?? throw new ArgumentException($"--{key} is required (once).");

    public IEnumerable<string> All(string key) => values[key];
}
