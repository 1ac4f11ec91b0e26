using System.Globalization;
using System.Text.Json;
using Qwen.Onnx.LlamaSharpBench;

// Compares llama.cpp (LLamaSharp) with Qwen.Onnx on one synthetic model written twice from the same weights (GGUF
// and ONNX); run.sh produces every input. Prints markdown table rows; the same-weights checks go to stderr. They run on
// `inspect prompt`'s ids (which carry the default system turn, as `run --system` does); the timing on the same ids
// without it, which is what `qwen-onnx bench --prompt` prefills.
var options = Arguments.Parse(args);
string label = options.Single("label");
int threads = int.Parse(options.Single("threads"), CultureInfo.InvariantCulture);
int newTokens = int.Parse(options.Single("max-new-tokens"), CultureInfo.InvariantCulture);
int runs = int.Parse(options.Single("runs"), CultureInfo.InvariantCulture);
int[] prompt = NpyIds.Read(options.Single("ids"));

// ONNX Runtime first, on its own, so the two runtimes never hold their weights at the same time.
float[] onnxLogits = OnnxLogits.LastPosition(options.Single("onnx"), prompt, threads);

var ours = options.All("ours-bench").Select(OursBench.Read).ToList();
int[] timed = ChatMl.WithoutSystemTurn(prompt);
if (ours.Any(o => o.PromptTokens != timed.Length))
{
    throw new InvalidOperationException($"qwen-onnx bench prefilled {ours[0].PromptTokens} tokens; the prompt without its system turn has {timed.Length}.");
}

string promptText = JsonDocument.Parse(File.ReadAllText(options.Single("prompt-json"))).RootElement.GetProperty("prompt_text").GetString()!;
int[] oursGreedy = Report.TokenIds(options.Single("ours-run"));
int contextSize = prompt.Length + newTokens + 1;

// With llama.cpp's default CPU flash attention the logits moved by ~1e-3 relative against ONNX Runtime's, without it
// by float32 rounding (5.5e-6 measured), so the check runs both ways; the timed runs (and the check before them,
// which warms them up) keep llama.cpp's defaults.
using (var plain = new LlamaRun(options.Single("gguf"), threads, contextSize, flashAttention: false))
{
    Console.Error.WriteLine(Report.SameWeights(label + ", flash attention off", plain.Generate(prompt, newTokens), onnxLogits, oursGreedy, plain.Tokenize(promptText).SequenceEqual(prompt)));
}

using var llama = new LlamaRun(options.Single("gguf"), threads, contextSize, flashAttention: null);
Console.Error.WriteLine(Report.SameWeights(label + ", llama.cpp defaults (timed)", llama.Generate(prompt, newTokens), onnxLogits, oursGreedy, llama.Tokenize(promptText).SequenceEqual(prompt)));
var measured = Enumerable.Range(0, runs).Select(_ => llama.Generate(timed, newTokens)).ToList();

Console.WriteLine(Report.Row(label, "llama.cpp (LLamaSharp 0.30)", Report.Median(measured.Select(m => m.DecodeTokensPerSecond)), timed.Length / Report.Median(measured.Select(m => m.PrefillMs)) * 1000, timed.Length));
foreach (OursBench bench in ours)
{
    Console.WriteLine(Report.Row(label, bench.Name, bench.DecodeTokensPerSecond, bench.PrefillTokensPerSecond, bench.PromptTokens));
}
