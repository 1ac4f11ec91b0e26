using System.Globalization;
using Qwen.Onnx;

namespace Qwen.Onnx.Cli;

/// <summary>Prints a streamed answer as it arrives and returns the assembled response (partial when cancelled).</summary>
internal static class Streaming
{
    public static async Task<QwenChatResponse> PrintAsync(QwenModel model, QwenChatRequest request, CancellationToken cancellationToken, bool echo = true)
    {
        var builder = new QwenChatResponseBuilder();
        bool cancelled = false;
        try
        {
            await foreach (QwenChatResponseUpdate update in model.GenerateStreamingAsync(request, cancellationToken))
            {
                builder.Add(update);
                if (echo)
                {
                    Console.Write(update.Text);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: keep what was generated; the response says "cancelled".
            cancelled = true;
        }

        return cancelled ? builder.Build(model.Tokenizer.CountTokens(model.RenderPrompt(request))) : builder.Build();
    }

    public static string Summary(QwenModel model, QwenChatResponse response) => string.Create(
        CultureInfo.InvariantCulture,
        $"[{response.FinishReason.ToString().ToLowerInvariant()}; {response.Usage.PromptTokens} prompt ({response.Usage.CachedPromptTokens} reused) + {response.Usage.CompletionTokens} completion tokens; " +
        $"device {ExecutionProviderPackages.ShortName(model.Provider)}; load {model.LoadTime.TotalMilliseconds:F0} ms; " +
        $"first token {response.Timings.TimeToFirstToken.TotalMilliseconds:F1} ms; {response.Timings.TokensPerSecond:F1} tokens/s]");
}
