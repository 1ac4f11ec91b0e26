using System.Diagnostics;
using Qwen.Onnx.Vision.Loading;

namespace Qwen.Onnx.Vision.Tests.Fuzzing;

/// <summary>Feeds mutated seeds through the public decode API and records how each input ended and how long it took.</summary>
internal sealed class FuzzRun
{
    private static readonly ImageLoadOptions Limits = new() { MaxInputPixels = 4_000_000, DecodeTimeout = TimeSpan.FromSeconds(1) };

    public int Inputs { get; private set; }

    public int Decoded { get; private set; }

    public int Rejected { get; private set; }

    public TimeSpan Slowest { get; private set; }

    public List<string> Untyped { get; } = [];

    /// <summary>Inputs that took over half a second: which seed, how long, how they ended.</summary>
    public List<string> Slow { get; } = [];

    public SortedDictionary<string, int> RejectionKinds { get; } = new(StringComparer.Ordinal);

    public static FuzzRun Execute(IReadOnlyList<(string Name, byte[] Bytes)> seeds, int inputs, int seed, string? keepSlowIn = null)
    {
        var run = new FuzzRun();
        var random = new Random(seed);
        for (int i = 0; i < inputs; i++)
        {
            (string name, byte[] bytes) = seeds[i % seeds.Count];
            byte[] input = ImageMutator.Mutate(bytes, random);
            string outcome = run.Feed(i, input, out TimeSpan elapsed);
            if (elapsed > TimeSpan.FromMilliseconds(500))
            {
                run.Slow.Add($"input {i} (from {name}): {elapsed.TotalMilliseconds:F0} ms, {outcome}");
                if (keepSlowIn is not null)
                {
                    File.WriteAllBytes(Path.Combine(keepSlowIn, $"slow-{i}-{name}"), input);
                }
            }
        }

        return run;
    }

    public override string ToString() =>
        string.Join(Environment.NewLine, Slow.Prepend(
        $"{Inputs} inputs: {Decoded} decoded, {Rejected} InvalidImageException, {Untyped.Count} other; slowest {Slowest.TotalMilliseconds:F1} ms; rejections by their first words: "
        + string.Join("; ", RejectionKinds.OrderByDescending(k => k.Value).Take(12).Select(k => $"{k.Key} ×{k.Value}"))));

    private string Feed(int index, byte[] input, out TimeSpan elapsed)
    {
        Inputs++;
        long started = Stopwatch.GetTimestamp();
        string outcome;
        try
        {
            _ = ImageDecoding.DecodeAsync(ImagePart.FromBytes(input), Limits).GetAwaiter().GetResult();
            Decoded++;
            outcome = "decoded";
        }
        catch (InvalidImageException e)
        {
            Rejected++;
            string kind = string.Join(' ', e.Message.Split(' ', 5).Take(4));
            RejectionKinds[kind] = RejectionKinds.GetValueOrDefault(kind) + 1;
            outcome = e.Message;
        }
        catch (Exception e)
        {
            outcome = $"{e.GetType().FullName}: {e.Message}";
            Untyped.Add($"input {index}: {outcome}");
        }

        elapsed = Stopwatch.GetElapsedTime(started);
        Slowest = elapsed > Slowest ? elapsed : Slowest;
        return outcome;
    }
}
