// Installs-and-runs check of the packages: builds the tiny models, streams a greedy answer, and fails unless
// exactly the requested number of tokens arrives with usage and timings; then preprocesses and encodes an image and
// a second of audio.
using Microsoft.Extensions.AI;
using Qwen.Onnx;
using Qwen.Onnx.Audio;
using Qwen.Onnx.Audio.Encoding;
using Qwen.Onnx.Audio.Features;
using Qwen.Onnx.Testing;
using Qwen.Onnx.Vision.Encoding;
using Qwen.Onnx.Vision.Preprocessing;

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

string vl = Path.Combine(Path.GetTempPath(), "qwen-onnx-package-smoke-vl");
TinyModelFactory.WriteVisionLanguageModel(vl);
var processor = new QwenImageProcessor(QwenImageProcessorOptions.FromModelFolder(vl));
using ProcessedImage image = await processor.ProcessAsync(ImagePart.FromPixels(new byte[64 * 48 * 3], 64, 48, PixelFormat.Rgb24));
using QwenVisionEncoder encoder = QwenVisionEncoder.Open(vl);
float[] features = encoder.Encode(image);
if (features.Length != image.TokenCount * encoder.HiddenSize)
{
    Console.Error.WriteLine($"package smoke test failed: {features.Length} feature values for {image.TokenCount} image tokens");
    return 1;
}

// JPEG goes through SkiaSharp's libjpeg-turbo, whose native library must arrive with the package.
Qwen.Onnx.Vision.Preprocessing.RgbImage jpeg = await Qwen.Onnx.Vision.Loading.ImageDecoding.DecodeAsync(ImagePart.FromBytes(Jpeg()));
if (!Qwen.Onnx.Vision.Loading.ImageDecoding.JpegIsBitExact || (jpeg.Width, jpeg.Height) != (64, 48))
{
    Console.Error.WriteLine($"package smoke test failed: JPEG decoded {jpeg.Width}×{jpeg.Height}, by libjpeg-turbo: {Qwen.Onnx.Vision.Loading.ImageDecoding.JpegIsBitExact}");
    return 1;
}

string audioModel = Path.Combine(Path.GetTempPath(), "qwen-onnx-package-smoke-audio");
TinyModelFactory.WriteAudioLanguageModel(audioModel);
ProcessedAudio audio = await QwenAudioProcessor.FromModelFolder(audioModel).ProcessAsync(AudioPart.FromSamples(new float[44100], 44100));
using QwenAudioEncoder audioEncoder = QwenAudioEncoder.Open(audioModel);
if (audio.TokenCounts[0] != 25 || audioEncoder.Encode(audio).Length != 25 * 64)
{
    Console.Error.WriteLine($"package smoke test failed: audio gave {audio.TokenCounts[0]} tokens");
    return 1;
}

// The whole multimodal path through the IChatClient: an image question on the tiny VL model.
await using QwenModel vlModel = await QwenModel.LoadAsync(vl);
using var chat = new Qwen.Onnx.Extensions.AI.QwenChatClient(vlModel);
var reply = await chat.GetResponseAsync(
    [new Microsoft.Extensions.AI.ChatMessage(Microsoft.Extensions.AI.ChatRole.User, [new Microsoft.Extensions.AI.DataContent(Png(), "image/png"), new Microsoft.Extensions.AI.TextContent("What is this?")])],
    new Microsoft.Extensions.AI.ChatOptions { MaxOutputTokens = 3 });
if (reply.Usage?.OutputTokenCount != 3)
{
    Console.Error.WriteLine("package smoke test failed: the chat client did not answer");
    return 1;
}

// A transformers.js-style text export: one decoder on input_ids, prompts by the model's own template.
string textExport = Path.Combine(Path.GetTempPath(), "qwen-onnx-package-smoke-text-oc");
TinyModelFactory.WriteOnnxCommunityTextModel(textExport);
await using (QwenModel exported = await QwenModel.LoadAsync(textExport))
{
    QwenChatResponse same = await exported.GenerateAsync(QwenChatRequest.FromPrompt("Hello from a fresh app!", options: new GenerationOptions { MaxNewTokens = 6 }));
    QwenChatResponse genAi = await model.GenerateAsync(QwenChatRequest.FromPrompt("Hello from a fresh app!", options: new GenerationOptions { MaxNewTokens = 6 }));
    if (!same.TokenIds.SequenceEqual(genAi.TokenIds))
    {
        Console.Error.WriteLine("package smoke test failed: the onnx-community text export answered differently from the GenAI layout of the same weights");
        return 1;
    }
}

// Function tools through the README's pipeline: the tool reaches the text model's template (the tiny model's
// random weights do not call it, so only the plumbing is checked here).
using IChatClient tools = new Qwen.Onnx.Extensions.AI.QwenChatClient(model).AsBuilder().UseFunctionInvocation().Build();
var weather = AIFunctionFactory.Create((string city) => $"21 °C and clear in {city}", "get_weather", "Current weather in a city.");
var toolReply = await tools.GetResponseAsync("Weather in Paris?", new ChatOptions { Tools = [weather], MaxOutputTokens = 3 });
if (!model.RenderPrompt(new QwenChatRequest([QwenChatMessage.User("x")]) { Tools = [new QwenTool("get_weather")] }).Contains("get_weather", StringComparison.Ordinal) || toolReply.Usage?.OutputTokenCount != 3)
{
    Console.Error.WriteLine("package smoke test failed: tools did not reach the prompt");
    return 1;
}

Console.WriteLine($"package smoke test passed: {tokens} tokens on {model.Provider}, {completion.Timings.TokensPerSecond:F0} tokens/s; image of {image.TokenCount} tokens, a JPEG through libjpeg-turbo and 1 s of audio encoded; image question answered and a function tool offered through IChatClient; onnx-community text export equals GenAI");
return 0;

static byte[] Jpeg()
{
    using var image = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(64, 48);
    using var stream = new MemoryStream();
    SixLabors.ImageSharp.ImageExtensions.SaveAsJpeg(image, stream);
    return stream.ToArray();
}

static byte[] Png()
{
    using var image = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(64, 48);
    using var stream = new MemoryStream();
    SixLabors.ImageSharp.ImageExtensions.SaveAsPng(image, stream);
    return stream.ToArray();
}
