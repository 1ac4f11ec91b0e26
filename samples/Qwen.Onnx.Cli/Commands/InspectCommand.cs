using System.CommandLine;
using System.Text.Json;
using Qwen.Onnx.Audio;
using Qwen.Onnx.Audio.Features;
using Qwen.Onnx.Testing.NumPy;
using Qwen.Onnx.Vision.Preprocessing;

namespace Qwen.Onnx.Cli.Commands;

/// <summary><c>qwen-onnx inspect</c>: writes the tensors a model would receive as .npy files, to compare with Python.</summary>
internal static class InspectCommand
{
    public static Command Create() => new("inspect", "Write model inputs as NumPy .npy files.") { Image(), Audio(), InspectPromptCommand.Create() };

    private static Command Audio()
    {
        Option<string> model = CliOptions.Model();
        var audio = new Option<string>("--audio") { Description = "An audio file (WAV, MP3, Ogg Vorbis).", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for input_features.npy and feature_attention_mask.npy.", Required = true };
        var command = new Command("audio", "Extract audio features exactly as the model's feature extractor does.") { model, audio, output };
        command.SetAction(async (result, ct) =>
        {
            QwenAudioProcessor processor = QwenAudioProcessor.FromModelFolder(await ModelLoading.ResolveFolderAsync(result.GetValue(model)!, ct));
            ProcessedAudio processed = await processor.ProcessAsync(AudioPart.FromFile(result.GetValue(audio)!), ct);
            DirectoryInfo folder = result.GetValue(output)!;
            folder.Create();
            NpyFile.Write(Path.Combine(folder.FullName, "input_features.npy"), processed.InputFeatures, processed.Segments, processed.FeatureSize, processed.Frames);
            NpyFile.Write(Path.Combine(folder.FullName, "feature_attention_mask.npy"), processed.FeatureAttentionMask, processed.Segments, processed.Frames);
            var summary = new { duration_s = processed.Duration.TotalSeconds, segments = processed.Segments, num_audio_tokens = processed.TokenCounts };
            Console.WriteLine(JsonSerializer.Serialize(summary));
            return 0;
        });
        return command;
    }

    private static Command Image()
    {
        Option<string> model = CliOptions.Model();
        var images = new Option<string[]>("--image") { Description = "An image file (repeatable, in prompt order).", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for pixel_values.npy and image_grid_thw.npy.", Required = true };
        var minPixels = new Option<long?>("--min-pixels") { Description = "Overrides the model's min_pixels." };
        var maxPixels = new Option<long?>("--max-pixels") { Description = "Overrides the model's max_pixels." };
        var command = new Command("image", "Preprocess images exactly as the model's processor does.") { model, images, output, minPixels, maxPixels };
        command.SetAction(async (result, ct) =>
        {
            var processor = new QwenImageProcessor(QwenImageProcessorOptions.FromModelFolder(await ModelLoading.ResolveFolderAsync(result.GetValue(model)!, ct)));
            var processed = new List<ProcessedImage>();
            foreach (string file in result.GetValue(images)!)
            {
                ImagePart part = ImagePart.FromFile(file).WithPixelBounds(result.GetValue(minPixels), result.GetValue(maxPixels));
                processed.Add(await processor.ProcessAsync(part, ct));
            }

            DirectoryInfo folder = result.GetValue(output)!;
            folder.Create();
            (float[] values, long[] grid) = ProcessedImage.Concatenate(processed);
            NpyFile.Write(Path.Combine(folder.FullName, "pixel_values.npy"), values, processed.Sum(p => (long)p.PatchCount), processor.Options.PatchLength);
            NpyFile.Write(Path.Combine(folder.FullName, "image_grid_thw.npy"), grid, processed.Count, 3);
            var summary = new
            {
                grid_thw = processed.Select(p => new[] { p.GridT, p.GridH, p.GridW }),
                num_image_tokens = processed.Select(p => p.TokenCount),
            };
            Console.WriteLine(JsonSerializer.Serialize(summary));
            return 0;
        });
        return command;
    }
}
