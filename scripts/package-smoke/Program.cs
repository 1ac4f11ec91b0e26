// Installs-and-runs check of the packages: builds the tiny model, streams a greedy answer, and fails unless
// exactly the requested number of tokens arrives with usage and timings.
using Qwen.Onnx;
using Qwen.Onnx.Testing;

string folder = Path.Combine(Path.GetTempPath(), "qwen-onnx-package-smoke");
TinyModelFactory.WriteTextModel(folder);
await using QwenModel model = await QwenModel.LoadAsync(folder);
var request = QwenChatRequest.FromPrompt("Hello from a fresh app!", options: new GenerationOptions { MaxNewTokens = 6 });
int tokens = 0;
QwenCompletion? completion = null;
await foreach (QwenChatResponseUpdate update in model.GenerateStreamingAsync(request))
{
    tokens += update.TokenId >= 0 ? 1 : 0;
    completion = update.Completion ?? completion;
}

if (tokens != 6 || completion is not { FinishReason: FinishReason.Length, Usage.CompletionTokens: 6 })
{
    Console.Error.WriteLine($"package smoke test failed: {tokens} tokens, completion {completion}");
    return 1;
}

Console.WriteLine($"package smoke test passed: {tokens} tokens on {model.Provider}, {completion.Timings.TokensPerSecond:F0} tokens/s");
return 0;
