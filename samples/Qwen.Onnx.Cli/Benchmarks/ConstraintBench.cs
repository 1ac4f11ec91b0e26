using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Text;
using Qwen.Onnx.Constraints;
using Qwen.Onnx.Tokenization;

namespace Qwen.Onnx.Cli.Benchmarks;

/// <summary>
/// What a constraint adds per token on the model's real vocabulary, measured around <see cref="ITokenConstraint.Mask"/>
/// and <see cref="ITokenConstraint.Accept"/> alone: each step gets fresh random logits (the stand-in for a model whose
/// preferences are arbitrary), the constraint masks them, the arg max is taken, the constraint advances. The first run
/// is cold (every automaton state and mask built for the first time, the vocabulary trie too); the later runs reuse
/// the compiled format as later requests do, on new random paths.
/// </summary>
internal static class ConstraintBench
{
    public static ConstraintReport Run(string model, ResponseFormat format, int maxNewTokens, int runs)
    {
        QwenTokenizer tokenizer = QwenTokenizer.FromFolder(model);
        var compileMs = new List<double>();
        var compileCpuMs = new List<double>();
        using var process = Process.GetCurrentProcess();
        for (int i = 0; i <= runs; i++)
        {
            // Wall time, and the process's CPU time (the compile is single-threaded), which a busy machine inflates less.
            // Indexed first, as the measured requests' compiler is: its compile also masks the forced start.
            var fresh = new ConstraintCompiler(tokenizer);
            fresh.Prepare();
            process.Refresh();
            TimeSpan cpu = process.TotalProcessorTime;
            _ = fresh.Create(format);
            process.Refresh();
            compileCpuMs.Add((process.TotalProcessorTime - cpu).TotalMilliseconds);
            compileMs.Add(fresh.LastCompileTime.TotalMilliseconds);
        }

        var compiler = new ConstraintCompiler(tokenizer);
        long trieStarted = Stopwatch.GetTimestamp();
        compiler.Prepare();
        double trieMs = Stopwatch.GetElapsedTime(trieStarted).TotalMilliseconds;
        float[] logits = new float[tokenizer.VocabularySize];
        double[] times = new double[maxNewTokens];
        var warm = new List<double>();
        Walk cold = Generate(compiler.Create(format)!, tokenizer.EndOfTurnTokenIds, logits, times, new Random(0));
        double[] coldTimes = times[..cold.Tokens];
        long allocated = 0;
        int tokens = 0, forced = 0, finished = 0;
        for (int run = 1; run <= runs; run++)
        {
            TokenConstraint constraint = compiler.Create(format)!;
            var random = new Random(run);
            long before = GC.GetAllocatedBytesForCurrentThread();
            Walk walk = Generate(constraint, tokenizer.EndOfTurnTokenIds, logits, times, random);
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            warm.AddRange(times[..walk.Tokens]);
            (tokens, forced, finished) = (tokens + walk.Tokens, forced + walk.Forced, finished + (walk.Finished ? 1 : 0));
        }

        // The cold run's path again: every state and mask is cached, so this is the constraint's steady cost.
        TokenConstraint again = compiler.Create(format)!;
        var same = new Random(0);
        long beforeRepeat = GC.GetAllocatedBytesForCurrentThread();
        Walk repeat = Generate(again, tokenizer.EndOfTurnTokenIds, logits, times, same);
        long repeatAllocated = GC.GetAllocatedBytesForCurrentThread() - beforeRepeat;
        double[] repeatTimes = times[..repeat.Tokens];

        return new ConstraintReport(
            GenerationBench.Median(compileMs.Skip(1)),
            GenerationBench.Median(compileCpuMs.Skip(1)),
            trieMs,
            coldTimes.Length == 0 ? 0 : coldTimes[0],
            coldTimes.Sum() / 1000,
            Percentile(coldTimes, 0.5),
            Percentile(coldTimes, 0.99),
            Percentile([.. warm], 0.5),
            Percentile([.. warm], 0.99),
            warm.DefaultIfEmpty(0).Max(),
            tokens == 0 ? 0 : (double)allocated / tokens,
            Percentile(repeatTimes, 0.5),
            Percentile(repeatTimes, 0.99),
            (double)repeatAllocated / repeat.Tokens,
            tokens,
            forced,
            finished,
            runs);
    }

    private static Walk Generate(TokenConstraint constraint, IReadOnlyList<int> endOfTurn, float[] logits, double[] times, Random random)
    {
        int forced = 0;
        for (int i = 0; i < times.Length; i++)
        {
            for (int v = 0; v < logits.Length; v++)
            {
                logits[v] = (float)random.NextDouble();
            }

            long started = Stopwatch.GetTimestamp();
            int token = constraint.Mask(logits);
            long masked = Stopwatch.GetTimestamp();
            forced += token >= 0 ? 1 : 0;
            token = token >= 0 ? token : TensorPrimitives.IndexOfMax(logits);
            long chosen = Stopwatch.GetTimestamp();
            constraint.Accept(token);
            times[i] = (Stopwatch.GetElapsedTime(started, masked) + Stopwatch.GetElapsedTime(chosen)).TotalMicroseconds;
            if (endOfTurn.Contains(token))
            {
                return new Walk(i + 1, forced, true);
            }
        }

        return new Walk(times.Length, forced, false);
    }

    private static double Percentile(double[] values, double p)
    {
        if (values.Length == 0)
        {
            return 0;
        }

        double[] sorted = [.. values.Order()];
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }

    private readonly record struct Walk(int Tokens, int Forced, bool Finished);
}

/// <summary>The JSON contract of <c>bench --json-schema/--json-object/--regex --json</c>. Times per token in µs.</summary>
internal sealed record ConstraintReport(
    double CompileMs,
    double CompileCpuMs,
    double VocabularyTrieMs,
    double FirstMaskUs,
    double ColdRunMs,
    double ColdMedianUs,
    double ColdP99Us,
    double MedianUs,
    double P99Us,
    double MaxUs,
    double AllocatedBytesPerToken,
    double CachedMedianUs,
    double CachedP99Us,
    double CachedAllocatedBytesPerToken,
    int Tokens,
    int ForcedTokens,
    int FinishedRuns,
    int Runs)
{
    public string ToText()
    {
        var text = new StringBuilder();
        CultureInfo c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"constraint compile (schema to automaton): {CompileMs:F2} ms wall, {CompileCpuMs:F2} ms CPU (medians)");
        text.AppendLine(c, $"vocabulary index (trie and character-class bitsets, once per model): {VocabularyTrieMs:F1} ms");
        text.AppendLine(c, $"first request (cold: automaton states and masks built): {ColdRunMs:F1} ms in all, per token median {ColdMedianUs:F1} µs, p99 {ColdP99Us:F1} µs");
        text.AppendLine(c, $"  its first token (the start state's mask, built for this format): {FirstMaskUs:F1} µs");
        text.AppendLine(c, $"later requests ({Runs} runs, {Tokens} tokens, {ForcedTokens} forced, {FinishedRuns} finished): per token median {MedianUs:F1} µs, p99 {P99Us:F1} µs, max {MaxUs:F1} µs");
        text.AppendLine(c, $"  allocations {AllocatedBytesPerToken:F1} B/token (masks of states met for the first time)");
        text.Append(c, $"first path again (every mask cached): per token median {CachedMedianUs:F1} µs, p99 {CachedP99Us:F1} µs, allocations {CachedAllocatedBytesPerToken:F1} B/token");
        return text.ToString();
    }
}
