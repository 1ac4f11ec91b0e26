using System.Diagnostics;
using Qwen.Onnx.Vision.Loading;
using Qwen.Onnx.Vision.Preprocessing;

namespace Qwen.Onnx.Cli.Benchmarks;

/// <summary>
/// The image pipeline stage by stage (decode, resize, normalise + patchify) and as the processor runs it after decoding
/// (band by band, pooled buffers): medians and allocated bytes, single-threaded. Decode time is what
/// scripts/vision-golden/time_pillow_decode.py measures for Pillow on the same file.
/// </summary>
internal static class ImagePreprocessBench
{
    public static async Task<PreprocessReport> RunAsync(string modelFolder, string imagePath, int runs, CancellationToken cancellationToken)
    {
        var processor = new QwenImageProcessor(QwenImageProcessorOptions.FromModelFolder(modelFolder));
        ImagePart part = ImagePart.FromFile(imagePath);
        // Each stage runs in its own loop (one warm-up run, then the measured runs) on the same input.
        RgbImage decoded = await ImageDecoding.DecodeAsync(part, processor.LoadOptions, cancellationToken);
        var decode = new List<Stage>();
        for (int run = 0; run < runs; run++)
        {
            decode.Add(await MeasureAsync(async () => decoded = await ImageDecoding.DecodeAsync(part, processor.LoadOptions, cancellationToken)));
        }

        (int height, int width) = processor.ResizedSize(decoded);
        RgbImage resized = PilBicubicResampler.Resize(decoded, width, height);
        List<Stage> resize = Repeat(runs, () => PilBicubicResampler.Resize(decoded, width, height));
        List<Stage> patchify = Repeat(runs, () => processor.ToPixelValues(resized).Dispose());
        List<Stage> afterDecode = Repeat(runs, () => processor.Process(decoded).Dispose());
        using ProcessedImage processed = processor.Process(decoded);
        var stages = new Dictionary<string, StageReport>
        {
            ["decode"] = StageReport.Of(decode),
            ["resize"] = StageReport.Of(resize),
            ["normalize_patchify"] = StageReport.Of(patchify),
            ["after_decode"] = StageReport.Of(afterDecode),
        };
        return new PreprocessReport(runs, imagePath, $"{decoded.Width}x{decoded.Height} -> {processed.ResizedWidth}x{processed.ResizedHeight}, {processed.TokenCount} image tokens; JPEG decoder: {(ImageDecoding.JpegIsBitExact ? "libjpeg-turbo (SkiaSharp)" : "ImageSharp fallback")}", stages, stages["after_decode"].Ms);
    }

    internal static List<Stage> Repeat(int runs, Action action)
    {
        Measure(action);
        return [.. Enumerable.Range(0, runs).Select(_ => Measure(action))];
    }

    internal static Stage Measure(Action action)
    {
        long bytes = GC.GetAllocatedBytesForCurrentThread();
        long started = Stopwatch.GetTimestamp();
        action();
        return new Stage(Stopwatch.GetElapsedTime(started).TotalMilliseconds, GC.GetAllocatedBytesForCurrentThread() - bytes);
    }

    internal static async Task<Stage> MeasureAsync(Func<Task> action)
    {
        long bytes = GC.GetTotalAllocatedBytes(precise: true);
        long started = Stopwatch.GetTimestamp();
        await action();
        return new Stage(Stopwatch.GetElapsedTime(started).TotalMilliseconds, GC.GetTotalAllocatedBytes(precise: true) - bytes);
    }

    internal readonly record struct Stage(double Ms, long Bytes);

    /// <summary>Median time and allocation of one stage, and its fastest run (steadier on a loaded machine).</summary>
    internal sealed record StageReport(double Ms, long AllocatedBytes, double MinMs)
    {
        public static StageReport Of(List<Stage> runs)
        {
            double[] ms = [.. runs.Select(r => r.Ms).Order()];
            long[] bytes = [.. runs.Select(r => r.Bytes).Order()];
            return new StageReport(ms[ms.Length / 2], bytes[bytes.Length / 2], ms[0]);
        }
    }
}

/// <summary>The JSON contract of <c>bench preprocess --json</c>.</summary>
internal sealed record PreprocessReport(int Runs, string Input, string Summary, IReadOnlyDictionary<string, ImagePreprocessBench.StageReport> Stages, double AfterDecodeMs);
