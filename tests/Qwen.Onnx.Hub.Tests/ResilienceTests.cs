using Qwen.Onnx.FakeHub;

namespace Qwen.Onnx.Hub.Tests;

/// <summary>Dropped connections, servers ignoring Range, corrupt bytes, 5xx, 429, Ctrl+C, two pulls at once, a full disk.</summary>
public class ResilienceTests : HubTestBase
{
    private const string Decoder = "onnx/decoder_model_merged.onnx";

    private string Blob(string path) => Path.Combine(RepoFolder(VlRepo), "blobs", Vl.Files[path].Sha256);

    [Test]
    public async Task ACutConnectionResumesWithARangeRequestFromTheCutByte()
    {
        Hub.Faults.CutOnce(Decoder, 1_000_000);

        await QwenModelHub.PullAsync(VlRepo, Options());

        SeenRequest[] downloads = Downloads(Vl, Decoder);
        Assert.Multiple(() =>
        {
            Assert.That(downloads.Select(d => d.Range), Is.EqualTo(new string?[] { null, "bytes=1000000-" }));
            Assert.That(File.ReadAllBytes(Blob(Decoder)), Is.EqualTo(File.ReadAllBytes(Path.Combine(VlFolder, Decoder))));
        });
    }

    [Test]
    public async Task ARestartedPullResumesThePartialFileItLeft()
    {
        Hub.Faults.CutOnce(Decoder, 700_000);
        HubException failed = Assert.ThrowsAsync<HubException>(() => QwenModelHub.PullAsync(VlRepo, Options() with { MaxRetries = 0 }))!;
        long partial = new FileInfo(Blob(Decoder) + ".incomplete").Length;

        await QwenModelHub.PullAsync(VlRepo, Options());

        Assert.Multiple(() =>
        {
            Assert.That(failed.Message, Does.Contain(Decoder).And.Contain("resumes"));
            Assert.That(partial, Is.EqualTo(700_000));
            Assert.That(Downloads(Vl, Decoder).Select(d => d.Range), Is.EqualTo(new string?[] { null, "bytes=700000-" }));
            Assert.That(File.ReadAllBytes(Blob(Decoder)), Is.EqualTo(File.ReadAllBytes(Path.Combine(VlFolder, Decoder))));
        });
    }

    [Test]
    public async Task AServerAnswering200ToARangeRequestIsReadFromTheStart()
    {
        Hub.Faults.CutOnce(Decoder, 500_000);
        Assert.ThrowsAsync<HubException>(() => QwenModelHub.PullAsync(VlRepo, Options() with { MaxRetries = 0 }));
        Hub.Faults.IgnoreRange = true;

        HubSnapshot snapshot = await QwenModelHub.PullAsync(VlRepo, Options());

        Assert.Multiple(() =>
        {
            Assert.That(Downloads(Vl, Decoder).Last().Range, Is.EqualTo("bytes=500000-"));
            Assert.That(File.ReadAllBytes(Path.Combine(snapshot.Path, Decoder)), Is.EqualTo(File.ReadAllBytes(Path.Combine(VlFolder, Decoder))));
        });
    }

    [Test]
    public void CorruptBytesFailNamingTheFileAndLeaveNothingUnderSnapshots()
    {
        Hub.Faults.CorruptPath = Decoder;

        HubFileCorruptException e = Assert.ThrowsAsync<HubFileCorruptException>(() => QwenModelHub.PullAsync(VlRepo, Options()))!;

        Assert.Multiple(() =>
        {
            Assert.That(e.FilePath, Is.EqualTo(Decoder));
            Assert.That(e.Message, Does.Contain(Decoder).And.Contain(Vl.Files[Decoder].Sha256));
            Assert.That(Directory.Exists(Path.Combine(RepoFolder(VlRepo), "snapshots")), Is.False);
            Assert.That(File.Exists(Blob(Decoder)) || File.Exists(Blob(Decoder) + ".incomplete"), Is.False);
        });
    }

    [Test]
    public async Task ServerErrorsAreRetriedUntilTheFileArrives()
    {
        Hub.Faults.FailWith500(2);

        HubSnapshot snapshot = await QwenModelHub.PullAsync(VlRepo, Options() with { MaxParallelDownloads = 1 });

        // The largest file goes first: it is answered 500 twice, then served.
        string largest = snapshot.Files.MaxBy(f => f.Bytes)!.Path;
        Assert.Multiple(() =>
        {
            Assert.That(Downloads(Vl, largest), Has.Length.EqualTo(3));
            Assert.That(snapshot.Files.Where(f => f.Path != largest).Select(f => Downloads(Vl, f.Path).Length), Is.All.EqualTo(1));
        });
    }

    [Test]
    public async Task TooManyRequestsWaitsForRetryAfter()
    {
        Hub.Faults.RetryAfterSeconds = 1;
        Hub.Faults.FailWith429(1);

        await QwenModelHub.PullAsync(VlRepo, Options() with { MaxParallelDownloads = 1 });

        SeenRequest[] cdn = [.. Hub.Requests.Where(r => r.Host == "cdn")];
        Assert.That(cdn[1].At - cdn[0].At, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(0.95)));
    }

    [Test]
    public async Task ACancelledPullLeavesAPartialFileTheNextPullResumes()
    {
        Hub.Faults.SlowPath = Decoder;
        using var cancel = new CancellationTokenSource();
        _ = Hub.Faults.SlowPathHalfSent.Task.ContinueWith(_ => cancel.Cancel(), TaskScheduler.Default);

        Assert.CatchAsync<OperationCanceledException>(() => QwenModelHub.PullAsync(VlRepo, Options(), null, cancel.Token));
        long partial = new FileInfo(Blob(Decoder) + ".incomplete").Length;
        Hub.Faults.SlowPath = null;
        await QwenModelHub.PullAsync(VlRepo, Options());

        Assert.Multiple(() =>
        {
            Assert.That(partial, Is.GreaterThan(0).And.LessThan(Vl.Files[Decoder].Size));
            Assert.That(Downloads(Vl, Decoder).Last().Range, Is.EqualTo($"bytes={partial}-"));
            Assert.That(File.ReadAllBytes(Blob(Decoder)), Is.EqualTo(File.ReadAllBytes(Path.Combine(VlFolder, Decoder))));
        });
    }

    [Test]
    public async Task TwoPullsAtOnceShareTheWorkAndBothSucceed()
    {
        Task<HubSnapshot> first = QwenModelHub.PullAsync(VlRepo, Options());
        Task<HubSnapshot> second = QwenModelHub.PullAsync(VlRepo, Options());
        HubSnapshot[] both = await Task.WhenAll(first, second);

        Assert.Multiple(() =>
        {
            Assert.That(both[1].Path, Is.EqualTo(both[0].Path));
            Assert.That(Downloads(Vl, Decoder), Has.Length.EqualTo(1));
            Assert.That(File.ReadAllBytes(Path.Combine(both[0].Path, Decoder)), Is.EqualTo(File.ReadAllBytes(Path.Combine(VlFolder, Decoder))));
        });
    }

    [Test]
    public void TooLittleDiskSpaceFailsBeforeAnyDownload()
    {
        Hub.Add(new FakeRepo("org/huge", [FakeFile.FromBytes("config.json", "{}"u8.ToArray()), FakeFile.Phantom("onnx/model.onnx", 1L << 55)]));

        HubDiskFullException e = Assert.ThrowsAsync<HubDiskFullException>(() => QwenModelHub.PullAsync("org/huge", Options()))!;

        Assert.Multiple(() =>
        {
            Assert.That(e.NeededBytes, Is.EqualTo((1L << 55) + 2));
            Assert.That(Hub.Requests.Where(r => r.Path.Contains("/resolve/", StringComparison.Ordinal)), Is.Empty);
        });
    }
}
