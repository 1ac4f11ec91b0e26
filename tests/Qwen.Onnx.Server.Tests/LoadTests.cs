using System.Diagnostics;

namespace Qwen.Onnx.Server.Tests;

/// <summary>Many clients at once get exactly the answers they get one at a time, and memory stays flat over many requests.</summary>
[NonParallelizable]
public class LoadTests
{
    private static readonly string[] Prompts = [.. Enumerable.Range(0, 10).Select(i => $"Question {i}: tell me something about the number {i * 7}.")];

    [Test]
    public async Task SixteenConcurrentStreamingClientsGetTheSequentialAnswers()
    {
        var sequential = new List<string>();
        foreach (string prompt in Prompts)
        {
            sequential.Add(await SseClient.StreamTextAsync(Servers.Main.Http, "text", prompt, 12));
        }

        // Each client walks the prompts from its own starting point, so different prompts run side by side.
        string[][] concurrent = await Task.WhenAll(Enumerable.Range(0, 16).Select(async client =>
        {
            var answers = new string[Prompts.Length];
            for (int k = 0; k < Prompts.Length; k++)
            {
                int i = (client + k) % Prompts.Length;
                answers[i] = await SseClient.StreamTextAsync(Servers.Main.Http, "text", Prompts[i], 12);
            }

            return answers;
        }));

        Assert.Multiple(() =>
        {
            Assert.That(sequential.Distinct().Count(), Is.GreaterThan(1), "the prompts give different answers");
            for (int client = 0; client < concurrent.Length; client++)
            {
                Assert.That(concurrent[client], Is.EqualTo(sequential), $"client {client}");
            }
        });
    }

    /// <summary>Run on demand (about 500 requests): <c>dotnet test --filter TestCategory=Soak</c>.</summary>
    [Test]
    [Explicit("500 requests; run with --filter TestCategory=Soak")]
    [Category("Soak")]
    public async Task MemoryAfterFiveHundredRequestsStaysWithinFiftyMegabytesOfTheLevelAfterFifty()
    {
        (long managed, long resident) after50 = default;
        for (int n = 1; n <= 500; n++)
        {
            await Task.WhenAll(Enumerable.Range(0, 1).Select(_ => SseClient.StreamTextAsync(Servers.Main.Http, n % 3 == 0 ? "vl" : "text", Prompts[n % Prompts.Length], 8)));
            if (n == 50)
            {
                after50 = Measure();
            }
        }

        (long managed, long resident) after500 = Measure();
        TestContext.Out.WriteLine($"after 50: managed {after50.managed / 1e6:F1} MB, resident {after50.resident / 1e6:F1} MB; after 500: managed {after500.managed / 1e6:F1} MB, resident {after500.resident / 1e6:F1} MB");
        Assert.That(after500.resident - after50.resident, Is.LessThan(50_000_000));
    }

    private static (long Managed, long Resident) Measure()
    {
        long managed = GC.GetTotalMemory(forceFullCollection: true);
        using var process = Process.GetCurrentProcess();
        return (managed, process.WorkingSet64);
    }
}
