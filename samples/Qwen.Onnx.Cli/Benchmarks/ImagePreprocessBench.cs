using System.Diagnostics;
using Qwen.Onnx.Vision.Loading;
using Qwen.Onnx.Vision.Preprocessing;

namespace Qwen.Onnx.Cli.Benchmarks;

/// <summary>
/// The image pipeline stage by stage (decode, resize, normalise + patchify) and as the processor runs it after decoding
/// (pooled buffers, no copy between stages): medians and allocated bytes.
/// </summary>
internal static class ImagePreprocessBench
{
    public static async Task<PreprocessReport> RunAsync(string modelFolder, string imagePath, int runs, CancellationToken cancellationToken)
    {
        var processor = new QwenImageProcessor(QwenImageProcessorOptions.FromModelFolder(modelFolder));
        ImagePart part = ImagePart.FromFile(imagePath);
        var decode = new List<Stage>();
        var resize = new List<Stage>();
        var patchify = new List<Stage>();
        var afterDecode = new List<Stage>();
        RgbImage? decoded = null;
        ProcessedImage? processed = null;
        for (int run = -1; run < runs; run++)
        {
            Stage d = await MeasureAsync(async () => decoded = await ImageDecoding.DecodeAsync(part, processor.LoadOptions, cancellationToken));
            (int height, int width) = processor.ResizedSize(decoded!);
            RgbImage? resized = null;
            Stage r = Measure(() => resized = PilBicubicResampler.Resize(decoded!, width, height));
            Stage p = Measure(() => processor.ToPixelValues(resized!).Dispose());
            processed?.Dispose();
            Stage all = Measure(() => processed = processor.Process(decoded!));
            if (run >= 0)
            {
                decode.Add(d);
                resize.Add(r);
                patchify.Add(p);
                afterDecode.Add(all);
            }
        }

        var stages = new Dictionary<string, StageReport>
        {
            ["decode"] = StageReport.Of(decode),
            ["resize"] = StageReport.Of(resize),
            ["normalize_patchify"] = StageReport.Of(patchify),
            ["after_decode"] = StageReport.Of(afterDecode),
        };
        using (processed)
        {
            return new PreprocessReport(runs, imagePath, $"{decoded!.Width}x{decoded.Height}", $"{processed!.ResizedWidth}x{processed.ResizedHeight}", processed.TokenCount, stages, stages["after_decode"].Ms);
        }
    }

    private static Stage Measure(Action action)
    {
        long bytes = GC.GetAllocatedBytesForCurrentThread();
        long started = Stopwatch.GetTimestamp();
        action();
        return new Stage(Stopwatch.GetElapsedTime(started).TotalMilliseconds, GC.GetAllocatedBytesForCurrentThread() - bytes);
    }

    private static async Task<Stage> MeasureAsync(Func<Task> action)
    {
        long bytes = GC.GetTotalAllocatedBytes(precise: true);
        long started = Stopwatch.GetTimestamp();
        await action();
        return new Stage(Stopwatch.GetElapsedTime(started).TotalMilliseconds, GC.GetTotalAllocatedBytes(precise: true) - bytes);
    }

    internal readonly record struct Stage(double Ms, long Bytes);

    /// <summary>Median time and allocation of one stage.</summary>
    internal sealed record StageReport(double Ms, long AllocatedBytes)
    {
        public static StageReport Of(List<Stage> runs)
        {
            double[] ms = [.. runs.Select(r => r.Ms).Order()];
            long[] bytes = [.. runs.Select(r => r.Bytes).Order()];
            return new StageReport(ms[ms.Length / 2], bytes[bytes.Length / 2]);
        }
    }
}

/// <summary>The JSON contract of <c>bench preprocess --json</c>.</summary>
internal sealed record PreprocessReport(int Runs, string Input, string DecodedSize, string ResizedSize, int ImageTokens, IReadOnlyDictionary<string, ImagePreprocessBench.StageReport> Stages, double AfterDecodeMs);
