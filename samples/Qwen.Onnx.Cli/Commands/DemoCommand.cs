using System.CommandLine;
using Qwen.Onnx.Testing;

namespace Qwen.Onnx.Cli.Commands;

/// <summary>
/// <c>qwen-onnx demo</c>: streams answers end to end with timings. Without --model it builds (or reuses) tiny
/// random-weight models and runs a text request (GenAI engine), an image, a video and an audio request (multimodal
/// engine), so every path of the SDK runs on a fresh machine.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var prompt = new Option<string>("--prompt") { Description = "The question.", DefaultValueFactory = _ => "Give me three facts about Hangzhou." };
        var model = new Option<string?>("--model", "-m") { Description = "A real model folder; without it the built-in tiny models are used." };
        var maxNewTokens = new Option<int>("--max-new-tokens") { DefaultValueFactory = _ => 48, Description = "Most tokens to generate." };
        var command = new Command("demo", "Stream answers end to end; uses built-in tiny random-weight models unless --model is given.") { prompt, model, maxNewTokens };
        command.SetAction(async (result, ct) =>
        {
            var options = new GenerationOptions { MaxNewTokens = result.GetValue(maxNewTokens) };
            string question = result.GetValue(prompt)!;
            if (result.GetValue(model) is string path)
            {
                await RunAsync(path, QwenChatRequest.FromPrompt(question, "You are a helpful assistant.", options), ct);
                return 0;
            }

            Console.Error.WriteLine("No --model given: using tiny random-weight Qwen models (their text is gibberish; their token ids and timings are real).");
            await RunAsync(TinyModelFactory.GetOrCreateTextModel(), QwenChatRequest.FromPrompt(question, "You are a helpful assistant.", options), ct);
            string omni = TinyModelFactory.GetOrCreateOmniModel();
            await RunAsync(omni, new QwenChatRequest([QwenChatMessage.User(ImagePart.FromPixels(Gradient(0), 224, 160, PixelFormat.Rgb24), "What is in this picture?")], options), ct);
            VideoPart clip = VideoPart.FromFrames(Enumerable.Range(0, 4).Select(t => ImagePart.FromPixels(Gradient(t * 40), 224, 160, PixelFormat.Rgb24)));
            await RunAsync(omni, new QwenChatRequest([QwenChatMessage.User(clip, "What moves in this clip?")], options), ct);
            await RunAsync(omni, new QwenChatRequest([QwenChatMessage.User(AudioPart.FromSamples(Tone(), 16000), "What do you hear?")], options), ct);
            return 0;
        });
        return command;
    }

    private static async Task RunAsync(string path, QwenChatRequest request, CancellationToken cancellationToken)
    {
        await using QwenModel qwen = await ModelLoading.LoadAsync(path, new QwenModelOptions { LoggerFactory = ConsoleLogging.Factory }, cancellationToken);
        string media = string.Concat(request.Images.Select(_ => "[image] ")
            .Concat(request.Videos.Select(v => $"[video: {v.Frames.Count} frames] "))
            .Concat(request.Audios.Select(_ => "[audio] ")));
        Console.WriteLine($"> {media}{request.Messages[^1].Text}");
        QwenChatResponse response = await Streaming.PrintAsync(qwen, request, cancellationToken);
        Console.WriteLine();
        Console.WriteLine(Streaming.Summary(qwen, response));
        Console.WriteLine();
    }

    /// <summary>A 224×160 colour gradient, moved right by <paramref name="shift"/> pixels.</summary>
    private static byte[] Gradient(int shift)
    {
        var pixels = new byte[224 * 160 * 3];
        for (int i = 0; i < pixels.Length; i += 3)
        {
            int x = (i / 3 % 224) + shift, y = i / 3 / 224;
            (pixels[i], pixels[i + 1], pixels[i + 2]) = ((byte)x, (byte)(y * 255 / 160), (byte)((x + y) % 256));
        }

        return pixels;
    }

    private static float[] Tone() => [.. Enumerable.Range(0, 32000).Select(i => (float)(0.3 * Math.Sin(2 * Math.PI * 440 * i / 16000)))];
}
