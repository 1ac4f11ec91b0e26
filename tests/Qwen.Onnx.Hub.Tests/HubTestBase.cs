using Qwen.Onnx.FakeHub;
using Qwen.Onnx.Testing;

namespace Qwen.Onnx.Hub.Tests;

/// <summary>A fresh fake Hub (two Kestrel servers on loopback) and an empty cache folder for every test.</summary>
public abstract class HubTestBase
{
    protected const string VlRepo = "onnx-community/Tiny-Qwen2-VL-ONNX";
    protected const string TextRepo = "onnx-community/Tiny-Qwen3-ONNX";
    protected const string GenAiRepo = "onnxruntime/Tiny-Qwen-GenAI";

    protected FakeHubServer Hub { get; private set; } = null!;

    protected string Cache { get; private set; } = null!;

    protected FakeRepo Vl { get; private set; } = null!;

    protected static string VlFolder => TinyModelFactory.GetOrCreateVisionLanguageModel();

    protected static string TextFolder => TinyModelFactory.GetOrCreateOnnxCommunityTextModel();

    protected static string GenAiFolder => TinyModelFactory.GetOrCreateTextModel();

    [SetUp]
    public async Task StartHub()
    {
        Hub = await FakeHubServer.StartAsync();
        Vl = Hub.Add(FakeRepo.FromFolder(VlRepo, VlFolder)).WithRevision("v1.0");
        Hub.Add(FakeRepo.FromFolder(TextRepo, TextFolder));
        var genAiFiles = FakeRepo.FromFolder("x/cpu", GenAiFolder, "cpu/").Files.Values
            .Concat(FakeRepo.FromFolder("x/int4", GenAiFolder, "cpu-int4/").Files.Values)
            .Append(FakeFile.FromBytes("README.md", "# tiny"u8.ToArray()));
        Hub.Add(new FakeRepo(GenAiRepo, genAiFiles));
        Cache = Path.Combine(Path.GetTempPath(), "qwen-onnx-hub-tests", Guid.NewGuid().ToString("N"));
    }

    [TearDown]
    public async Task StopHub()
    {
        await Hub.DisposeAsync();
        if (Directory.Exists(Cache))
        {
            Directory.Delete(Cache, recursive: true);
        }
    }

    /// <summary>Options that point at the fake Hub and the test's cache, independent of the machine's HF_* variables.</summary>
    protected HubPullOptions Options(string? token = null) => new()
    {
        Endpoint = Hub.Endpoint,
        CacheDirectory = Cache,
        Token = token ?? "",
        Offline = false,
        RetryDelay = TimeSpan.FromMilliseconds(20),
    };

    protected string RepoFolder(string repoId) => Path.Combine(Cache, "models--" + repoId.Replace("/", "--", StringComparison.Ordinal));

    /// <summary>The requests that carried a file's bytes: to the CDN for LFS files, to resolve/ for the others.</summary>
    protected SeenRequest[] Downloads(FakeRepo repo, string path)
    {
        FakeFile file = repo.Files[path];
        return [.. Hub.Requests.Where(r => r.Method == "GET" && (file.IsLfs
            ? r.Host == "cdn" && r.Path == "/lfs/" + file.Sha256
            : r.Host == "hub" && r.Path.EndsWith("/resolve/" + repo.Commit + "/" + path, StringComparison.Ordinal)))];
    }
}
