namespace Qwen.Onnx.Vision.Tests.Fuzzing;

/// <summary>
/// Mutated files of every supported format through the public decode API: only typed errors, nothing over 2 s, no
/// crash (a native crash would end the test host). The long run is explicit: `dotnet test --filter TestCategory=LongFuzz`.
/// </summary>
public class FuzzTests
{
    private static readonly string[] Formats = [".png", ".jpg", ".webp", ".gif", ".bmp", ".tiff"];

    [Test]
    public void TheSeedCorpusCoversEveryFormat() =>
        Assert.That(SeedFiles().Select(Path.GetExtension).Distinct(), Is.EquivalentTo(Formats));

    [Test]
    public void EverySeedDecodes() =>
        Assert.That(() => { foreach ((_, byte[] seed) in Seeds()) { Qwen.Onnx.Vision.Loading.ImageDecoding.DecodeAsync(ImagePart.FromBytes(seed)).GetAwaiter().GetResult(); } }, Throws.Nothing);

    [Test]
    public void AShortRunGivesOnlyTypedErrors() => AssertSafe(FuzzRun.Execute(Seeds(), 3000, seed: 11));

    [Test]
    [Explicit("25,000 inputs, about a minute; run by hand, its result is recorded in the README.")]
    [Category("LongFuzz")]
    public void ALongRunGivesOnlyTypedErrors() => AssertSafe(FuzzRun.Execute(Seeds(), 25_000, seed: 20261202, keepSlowIn: TestContext.CurrentContext.WorkDirectory));

    /// <summary>
    /// A 922-byte TIFF the fuzzer found that can keep ImageSharp busy for 6–9 s: the caller still gets its answer at the
    /// deadline. How long the file takes depends on the process's state (once JIT and pools are warm it can decode in
    /// under a millisecond), so the deadline is one tick, which nothing queued can meet: the test checks the
    /// abandoning, not the file's speed.
    /// </summary>
    [Test]
    public void ASlowCorruptFileIsAbandonedAtTheDeadline()
    {
        byte[] file = File.ReadAllBytes(TestData.Path(Path.Combine("fuzz-regressions", "imagesharp-slow-rgba.tiff")));
        var options = new Qwen.Onnx.Vision.Loading.ImageLoadOptions { DecodeTimeout = TimeSpan.FromTicks(1) };
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var ex = Assert.ThrowsAsync<InvalidImageException>(() => Qwen.Onnx.Vision.Loading.ImageDecoding.DecodeAsync(ImagePart.FromBytes(file), options));
        Assert.Multiple(() =>
        {
            Assert.That(ex!.Message, Does.Contain("took longer than 0 s"));
            Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)));
        });
    }

    private static void AssertSafe(FuzzRun run)
    {
        TestContext.Out.WriteLine(run);
        Assert.Multiple(() =>
        {
            Assert.That(run.Untyped, Is.Empty, "every failure must be an InvalidImageException");
            Assert.That(run.Slowest, Is.LessThan(TimeSpan.FromSeconds(2)), "no input may take 2 s");
            Assert.That(run.Rejected, Is.GreaterThan(run.Inputs / 10), "the mutations must actually break files");
        });
    }

    private static IEnumerable<string> SeedFiles() => Directory.EnumerateFiles(TestData.Path("fuzz-seeds")).Order(StringComparer.Ordinal);

    private static List<(string Name, byte[] Bytes)> Seeds() => [.. SeedFiles().Select(f => (Path.GetFileName(f), File.ReadAllBytes(f)))];
}
