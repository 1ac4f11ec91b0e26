using Qwen.Onnx.Multimodal.Sampling;

namespace Qwen.Onnx.Multimodal.Tests;

/// <summary>Greedy choice, repetition penalty, top-k, top-p and seeding of the multimodal engine's sampler.</summary>
public class TokenSamplerTests
{
    private static readonly GenerationOptions Greedy = new() { Greedy = true };

    [TestCase(1)]
    [TestCase(31)]
    [TestCase(32)]
    [TestCase(33)]
    [TestCase(1000)]
    [TestCase(151936)]
    public void ArgMaxEqualsAScalarScanOnRandomLogits(int length)
    {
        var random = new Random(length);
        for (int trial = 0; trial < 50; trial++)
        {
            // Few distinct values, so ties across lanes, accumulators and the scalar tail are common.
            float[] logits = [.. Enumerable.Range(0, length).Select(_ => (float)random.Next(0, 5))];
            Assert.That(TokenSampler.ArgMax(logits), Is.EqualTo(Array.IndexOf(logits, logits.Max())));
        }
    }

    [TestCase(3, 900)]
    [TestCase(900, 3)]
    [TestCase(40, 8)]
    [TestCase(1001, 1002)]
    public void ArgMaxReturnsTheFirstOfTiedMaxima(int first, int second)
    {
        var logits = new float[1003];
        logits[first] = 7f;
        logits[second] = 7f;
        Assert.That(TokenSampler.ArgMax(logits), Is.EqualTo(Math.Min(first, second)));
    }

    [Test]
    public void ArgMaxSkipsNaNAndFindsNegativeMaxima()
    {
        float[] logits = [.. Enumerable.Repeat(-5f, 100)];
        logits[10] = float.NaN;
        logits[64] = -1f;
        Assert.That(TokenSampler.ArgMax(logits), Is.EqualTo(64));
    }

    [Test]
    public void RepetitionPenaltyDividesPositiveAndMultipliesNegativeLogitsOfSeenTokens()
    {
        var sampler = new TokenSampler(Greedy with { RepetitionPenalty = 2f }, prompt: [0, 2]);
        float[] logits = [4f, 3f, -1f, -1.5f];
        int token = sampler.Next(logits);
        Assert.Multiple(() =>
        {
            Assert.That(logits, Is.EqualTo(new[] { 2f, 3f, -2f, -1.5f }));
            Assert.That(token, Is.EqualTo(1));
        });

        // The chosen token is penalised from the next step on.
        float[] next = [4f, 3f, -1f, -1.5f];
        Assert.That(sampler.Next(next), Is.EqualTo(0));
        Assert.That(next[1], Is.EqualTo(1.5f));
    }

    [Test]
    public void TopKOfOneAlwaysPicksTheLargestLogit()
    {
        var sampler = new TokenSampler(new GenerationOptions { TopK = 1, Temperature = 5f, Seed = 3 }, prompt: []);
        float[] logits = [0.1f, 0.3f, 0.29f, -2f];
        Assert.That(Enumerable.Range(0, 50).Select(_ => sampler.Next(logits.ToArray())), Is.All.EqualTo(1));
    }

    [Test]
    public void SmallTopPKeepsOnlyTheMostLikelyToken()
    {
        var sampler = new TokenSampler(new GenerationOptions { TopP = 0.01f, Seed = 5 }, prompt: []);
        float[] logits = [1f, 2f, 1.9f, 0f];
        Assert.That(Enumerable.Range(0, 50).Select(_ => sampler.Next(logits.ToArray())), Is.All.EqualTo(1));
    }

    [Test]
    public void TheSameSeedDrawsTheSameTokensAndOnlyFromTheTopK()
    {
        var options = new GenerationOptions { TopK = 3, Temperature = 1f, Seed = 42 };
        float[] logits = [2f, 2.1f, 0f, 1.9f, -3f, 2.05f];
        int[] Draw()
        {
            var sampler = new TokenSampler(options, []);
            return [.. Enumerable.Range(0, 200).Select(_ => sampler.Next(logits.ToArray()))];
        }

        int[] draws = Draw();
        int[] again = Draw();
        Assert.Multiple(() =>
        {
            Assert.That(again, Is.EqualTo(draws));
            Assert.That(draws.Distinct(), Is.EquivalentTo(new[] { 0, 1, 5 }), "exactly the three kept tokens are drawn over 200 steps");
        });
    }
}
