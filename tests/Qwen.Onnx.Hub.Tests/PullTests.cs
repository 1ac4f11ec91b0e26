using System.Security.Cryptography;

namespace Qwen.Onnx.Hub.Tests;

/// <summary>A whole pull against the fake Hub: the files the engine loads, in huggingface_hub's layout, then an offline load.</summary>
public class PullTests : HubTestBase
{
    private static readonly QwenChatRequest Prompt = QwenChatRequest.FromPrompt("Describe the sky.", options: new GenerationOptions { MaxNewTokens = 8, Greedy = true });

    [Test]
    public async Task PullThenOfflineLoadGeneratesWhatTheSourceFolderGenerates()
    {
        HubSnapshot snapshot = await QwenModelHub.PullAsync(VlRepo, Options());

        await using QwenModel pulled = await QwenModel.LoadAsync(VlRepo, null, Options() with { Offline = true, Endpoint = new Uri("http://127.0.0.1:9") });
        await using QwenModel source = await QwenModel.LoadAsync(VlFolder);
        QwenChatResponse fromHub = await pulled.GenerateAsync(Prompt);
        QwenChatResponse fromFolder = await source.GenerateAsync(Prompt);

        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Commit, Is.EqualTo(Vl.Commit));
            Assert.That(pulled.Folder.Path, Is.EqualTo(snapshot.Path));
            Assert.That(pulled.Folder.HasVisionEncoder, Is.True);
            Assert.That(fromHub.TokenIds, Is.EqualTo(fromFolder.TokenIds));
            Assert.That(fromHub.TokenIds, Is.Not.Empty);
        });
    }

    [Test]
    public async Task TheCacheIsLaidOutAsHuggingFaceHubLaysItOut()
    {
        HubSnapshot snapshot = await QwenModelHub.PullAsync(VlRepo, Options());
        string repo = RepoFolder(VlRepo);

        string decoderLink = Path.Combine(repo, "snapshots", Vl.Commit, "onnx", "decoder_model_merged.onnx");
        string configLink = Path.Combine(repo, "snapshots", Vl.Commit, "config.json");
        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllText(Path.Combine(repo, "refs", "main")), Is.EqualTo(Vl.Commit));
            Assert.That(new FileInfo(decoderLink).LinkTarget, Is.EqualTo($"../../../blobs/{Vl.Files["onnx/decoder_model_merged.onnx"].Sha256}"));
            Assert.That(new FileInfo(configLink).LinkTarget, Is.EqualTo($"../../blobs/{Vl.Files["config.json"].GitOid}"));
            Assert.That(Directory.EnumerateFiles(Path.Combine(repo, "blobs")).Where(f => f.EndsWith(".incomplete", StringComparison.Ordinal)), Is.Empty);
            Assert.That(File.Exists(Path.Combine(Cache, ".locks", "models--onnx-community--Tiny-Qwen2-VL-ONNX", Vl.Files["onnx/decoder_model_merged.onnx"].Sha256 + ".lock")), Is.True);
        });
        foreach (HubSnapshotFile file in snapshot.Files)
        {
            string local = Path.Combine(snapshot.Path, file.Path);
            byte[] original = File.ReadAllBytes(Path.Combine(VlFolder, file.Path));
            Assert.That(SHA256.HashData(File.ReadAllBytes(local)), Is.EqualTo(SHA256.HashData(original)), file.Path);
            Assert.That(file.Bytes, Is.EqualTo(original.LongLength), file.Path);
        }
    }

    [Test]
    public async Task AutoFetchesOnlyTheVariantLoadingWouldPickAndNothingTwice()
    {
        HubSnapshot first = await QwenModelHub.PullAsync(VlRepo, Options());
        Hub.ClearRequests();
        HubSnapshot second = await QwenModelHub.PullAsync(VlRepo, Options());

        string[] expected =
        [
            "config.json", "generation_config.json", "preprocessor_config.json", "tokenizer.json", "tokenizer_config.json",
            "onnx/decoder_model_merged.onnx", "onnx/embed_tokens.onnx", "onnx/vision_encoder.onnx",
        ];
        string[] sourceRoot = [.. Directory.EnumerateFiles(VlFolder).Select(Path.GetFileName).OfType<string>().Where(n => n.EndsWith(".json", StringComparison.Ordinal) || n.EndsWith(".jinja", StringComparison.Ordinal))];
        Assert.Multiple(() =>
        {
            Assert.That(first.Files.Select(f => f.Path), Is.EquivalentTo(expected.Union(sourceRoot)));
            Assert.That(first.DownloadedBytes, Is.EqualTo(first.Files.Sum(f => f.Bytes)));
            Assert.That(second.DownloadedBytes, Is.Zero);
            Assert.That(Hub.Requests.Where(r => r.Host == "cdn" || r.Path.Contains("/resolve/", StringComparison.Ordinal)), Is.Empty);
            Assert.That(first.Files.Single(f => f.Path == "onnx/vision_encoder.onnx").Sha256, Is.EqualTo(Vl.Files["onnx/vision_encoder.onnx"].Sha256));
        });
    }

    [Test]
    public async Task AnExplicitVariantFetchesThoseGraphsAndATagGetsItsOwnRef()
    {
        HubSnapshot snapshot = await QwenModelHub.PullAsync(VlRepo + "@v1.0", Options() with { Variant = OnnxGraphVariant.Fp16 });

        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Files.Select(f => f.Path).Where(p => p.StartsWith("onnx/", StringComparison.Ordinal)),
                Is.EquivalentTo(new[] { "onnx/decoder_model_merged_fp16.onnx", "onnx/embed_tokens_fp16.onnx", "onnx/vision_encoder_fp16.onnx" }));
            Assert.That(snapshot.Revision, Is.EqualTo("v1.0"));
            Assert.That(File.ReadAllText(Path.Combine(RepoFolder(VlRepo), "refs", "v1.0")), Is.EqualTo(Vl.Commit));
            Assert.That(File.Exists(Path.Combine(RepoFolder(VlRepo), "refs", "main")), Is.False);
        });
    }

    [Test]
    public void AVariantTheRepositoryLacksIsAnErrorListingThoseItHas()
    {
        HubModelSelectionException e = Assert.ThrowsAsync<HubModelSelectionException>(() => QwenModelHub.PullAsync(VlRepo, Options() with { Variant = OnnxGraphVariant.Q4 }))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Choices, Is.EqualTo(new[] { "fp32", "fp16" }));
            Assert.That(e.Message, Does.Contain("no q4 variant").And.Contain("fp32, fp16").And.Contain("--variant"));
            Assert.That(Directory.Exists(Path.Combine(RepoFolder(VlRepo), "snapshots")), Is.False);
        });
    }

    [Test]
    public async Task AGenAiRepositoryWithSeveralExportsNeedsASubfolderAndThenFetchesOnlyIt()
    {
        HubModelSelectionException e = Assert.ThrowsAsync<HubModelSelectionException>(() => QwenModelHub.PullAsync(GenAiRepo, Options()))!;
        HubSnapshot snapshot = await QwenModelHub.PullAsync(GenAiRepo, Options() with { Subfolder = "cpu-int4", Include = ["*.md"] });
        await using QwenModel model = await QwenModel.LoadAsync(snapshot.Path);

        Assert.Multiple(() =>
        {
            Assert.That(e.Choices, Is.EqualTo(new[] { "cpu", "cpu-int4" }));
            Assert.That(e.Message, Does.Contain("--subfolder"));
            Assert.That(snapshot.Path, Is.EqualTo(Path.Combine(RepoFolder(GenAiRepo), "snapshots", snapshot.Commit, "cpu-int4")));
            Assert.That(snapshot.Files.Select(f => f.Path), Is.EquivalentTo(Directory.EnumerateFiles(GenAiFolder).Select(f => "cpu-int4/" + Path.GetFileName(f)).Append("README.md")));
            Assert.That(model.Folder.Layout, Is.EqualTo(Models.ModelLayout.GenAi));
        });
    }

    [Test]
    public async Task ATextExportFetchesItsSingleDecoderAndChatTemplate()
    {
        HubSnapshot snapshot = await QwenModelHub.PullAsync(TextRepo, Options());
        string[] sourceFiles = [.. Directory.EnumerateFiles(TextFolder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(TextFolder, f).Replace('\\', '/'))];
        Assert.That(snapshot.Files.Select(f => f.Path), Is.EquivalentTo(sourceFiles));
    }
}
