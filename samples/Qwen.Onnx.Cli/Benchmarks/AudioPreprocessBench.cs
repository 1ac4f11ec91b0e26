using Qwen.Onnx.Audio;
using Qwen.Onnx.Audio.Features;
using Qwen.Onnx.Audio.Loading;
using Qwen.Onnx.Audio.Resampling;
using static Qwen.Onnx.Cli.Benchmarks.ImagePreprocessBench;

namespace Qwen.Onnx.Cli.Benchmarks;

/// <summary>The audio pipeline stage by stage (decode, resample, features of the first 30 s), each in its own loop.</summary>
internal static class AudioPreprocessBench
{
    public static async Task<PreprocessReport> RunAsync(string modelFolder, string audioPath, int runs, CancellationToken cancellationToken)
    {
        QwenAudioProcessor processor = QwenAudioProcessor.FromModelFolder(modelFolder);
        AudioPart part = AudioPart.FromFile(audioPath);
        DecodedAudio decoded = await AudioDecoding.DecodeAsync(part, processor.LoadOptions, cancellationToken);
        var decode = new List<Stage>();
        for (int run = 0; run < runs; run++)
        {
            decode.Add(await MeasureAsync(async () => decoded = await AudioDecoding.DecodeAsync(part, processor.LoadOptions, cancellationToken)));
        }

        float[] mono = MonoResampler.ToMono(decoded, processor.Options.SamplingRate);
        List<Stage> resample = Repeat(runs, () => MonoResampler.ToMono(decoded, processor.Options.SamplingRate));
        float[] chunk = mono[..Math.Min(mono.Length, processor.Options.ChunkSamples)];
        var extractor = new LogMelExtractor(processor.Options);
        var features = new float[extractor.FeatureLength];
        List<Stage> extract = Repeat(runs, () => extractor.Extract(chunk, features));
        var stages = new Dictionary<string, StageReport>
        {
            ["decode"] = StageReport.Of(decode),
            ["resample"] = StageReport.Of(resample),
            ["features"] = StageReport.Of(extract),
        };
        string summary = $"{decoded.Duration.TotalSeconds:F1} s at {decoded.SampleRate} Hz x {decoded.Channels}, features of {chunk.Length / (double)processor.Options.SamplingRate:F1} s";
        return new PreprocessReport(runs, audioPath, summary, stages, stages["resample"].Ms + stages["features"].Ms);
    }
}
