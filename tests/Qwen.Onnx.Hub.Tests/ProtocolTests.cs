namespace Qwen.Onnx.Hub.Tests;

/// <summary>Tokens, redirects and the Hub's error answers.</summary>
public class ProtocolTests : HubTestBase
{
    [Test]
    public async Task TheTokenGoesToTheHubButNeverToTheCdnItRedirectsTo()
    {
        Hub.Faults.RequiredToken = "hf_test";

        await QwenModelHub.PullAsync(VlRepo, Options(token: "hf_test"));

        Assert.Multiple(() =>
        {
            Assert.That(Hub.Requests.Where(r => r.Host == "cdn"), Is.Not.Empty);
            Assert.That(Hub.Requests.Where(r => r.Host == "cdn").Select(r => r.Authorization), Is.All.Null);
            Assert.That(Hub.Requests.Where(r => r.Host == "hub").Select(r => r.Authorization), Is.All.EqualTo("Bearer hf_test"));
        });
    }

    [Test]
    public void AGatedRepositoryWithoutATokenSaysToSetHfToken()
    {
        Hub.Faults.RequiredToken = "hf_test";

        HubAuthorizationException missing = Assert.ThrowsAsync<HubAuthorizationException>(() => QwenModelHub.PullAsync(VlRepo, Options()))!;
        HubAuthorizationException wrong = Assert.ThrowsAsync<HubAuthorizationException>(() => QwenModelHub.PullAsync(VlRepo, Options(token: "hf_other")))!;

        Assert.Multiple(() =>
        {
            Assert.That(missing.StatusCode, Is.EqualTo(401));
            Assert.That(missing.Message, Does.Contain("HF_TOKEN").And.Contain(VlRepo));
            Assert.That(wrong.StatusCode, Is.EqualTo(403));
            Assert.That(wrong.Message, Does.Contain("token"));
        });
    }

    [Test]
    public void AMissingRepositoryAndAMissingRevisionAreToldApart()
    {
        HubRepositoryNotFoundException repo = Assert.ThrowsAsync<HubRepositoryNotFoundException>(() => QwenModelHub.PullAsync("onnx-community/No-Such-Model", Options()))!;
        HubRevisionNotFoundException revision = Assert.ThrowsAsync<HubRevisionNotFoundException>(() => QwenModelHub.PullAsync(VlRepo + "@v9", Options()))!;

        Assert.Multiple(() =>
        {
            Assert.That(repo.RepoId, Is.EqualTo("onnx-community/No-Such-Model"));
            Assert.That(repo.Message, Does.Contain("not found"));
            Assert.That(revision.Revision, Is.EqualTo("v9"));
            Assert.That(revision.Message, Does.Contain("no revision 'v9'"));
        });
    }

    [Test]
    public void OfflineWithoutACachedCopyIsAClearError()
    {
        HubOfflineException e = Assert.ThrowsAsync<HubOfflineException>(() => QwenModelHub.ResolveAsync(VlRepo, Options() with { Offline = true }))!;

        Assert.Multiple(() =>
        {
            Assert.That(e.Message, Does.Contain("HF_HUB_OFFLINE").And.Contain("never downloaded"));
            Assert.That(Hub.Requests, Is.Empty);
        });
    }

    [Test]
    public async Task ACachedModelResolvesWithoutAnyRequest()
    {
        await QwenModelHub.PullAsync(VlRepo, Options());
        Hub.ClearRequests();

        HubSnapshot cached = await QwenModelHub.ResolveAsync(VlRepo, Options());

        Assert.Multiple(() =>
        {
            Assert.That(Hub.Requests, Is.Empty);
            Assert.That(cached.Commit, Is.EqualTo(Vl.Commit));
            Assert.That(cached.DownloadedBytes, Is.Zero);
        });
    }

    [Test]
    public async Task CachedModelsAreListedWithSizesAndVariantsAndCanBeRemoved()
    {
        await QwenModelHub.PullAsync(VlRepo, Options() with { Variant = OnnxGraphVariant.Fp16 });
        await QwenModelHub.PullAsync(GenAiRepo, Options() with { Subfolder = "cpu" });

        IReadOnlyList<HubCachedModel> listed = QwenModelHub.ListCachedModels(Cache);
        long blobBytes = Directory.EnumerateFiles(Path.Combine(RepoFolder(VlRepo), "blobs")).Sum(f => new FileInfo(f).Length);
        bool removed = QwenModelHub.RemoveCachedModel(VlRepo, Cache);

        Assert.Multiple(() =>
        {
            Assert.That(listed.Select(m => m.RepoId), Is.EqualTo(new[] { VlRepo, GenAiRepo }));
            Assert.That(listed[0].Variants, Is.EqualTo(new[] { "fp16" }));
            Assert.That(listed[1].Variants, Is.EqualTo(new[] { "genai:cpu" }));
            Assert.That(listed[0].Refs["main"], Is.EqualTo(Vl.Commit));
            Assert.That(listed[0].SizeBytes, Is.EqualTo(blobBytes).And.GreaterThan(0));
            Assert.That(removed, Is.True);
            Assert.That(QwenModelHub.ListCachedModels(Cache).Select(m => m.RepoId), Is.EqualTo(new[] { GenAiRepo }));
        });
    }
}
