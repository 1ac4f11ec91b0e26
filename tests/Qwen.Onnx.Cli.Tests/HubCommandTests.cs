using System.Text.Json;
using Qwen.Onnx.FakeHub;
using Qwen.Onnx.Testing;

namespace Qwen.Onnx.Cli.Tests;

/// <summary><c>pull</c>, <c>models list/rm</c> and repo ids in <c>--model</c>, against the fake Hub (HF_ENDPOINT, HF_HUB_CACHE).</summary>
[NonParallelizable]
public class HubCommandTests
{
    private const string Repo = "onnx-community/Tiny-Qwen3-ONNX";
    private static readonly string Models = Path.Combine(Path.GetTempPath(), "qwen-onnx-tests", "models");
    private FakeHubServer _hub = null!;
    private FakeRepo _repo = null!;
    private string _cache = null!;
    private readonly Dictionary<string, string?> _saved = [];

    [SetUp]
    public async Task Start()
    {
        _hub = await FakeHubServer.StartAsync();
        _repo = _hub.Add(FakeRepo.FromFolder(Repo, TinyModelFactory.GetOrCreateOnnxCommunityTextModel(cacheFolder: Models)));
        _cache = Directory.CreateTempSubdirectory("qwen-hub-cli-").FullName;
        Set("HF_ENDPOINT", _hub.Endpoint.AbsoluteUri);
        Set("HF_HUB_CACHE", _cache);
        Set("HF_TOKEN", "");
        Set("HF_HUB_OFFLINE", null);
    }

    [TearDown]
    public async Task Stop()
    {
        foreach ((string name, string? value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        await _hub.DisposeAsync();
        Directory.Delete(_cache, recursive: true);
    }

    [Test]
    public void PullJsonHasTheDocumentedFieldsAndRealHashes()
    {
        (int code, string output, _) = CliRunner.Run("pull", Repo, "--json");
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement root = json.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.Zero);
            Assert.That(root.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "repo", "revision", "commit", "path", "files", "downloaded_bytes" }));
            Assert.That(root.GetProperty("commit").GetString(), Is.EqualTo(_repo.Commit));
            Assert.That(root.GetProperty("downloaded_bytes").GetInt64(), Is.EqualTo(_repo.Files.Values.Sum(f => f.Size)));
        });
        foreach (JsonElement file in root.GetProperty("files").EnumerateArray())
        {
            FakeFile served = _repo.Files[file.GetProperty("path").GetString()!];
            Assert.That(file.GetProperty("sha256").GetString(), Is.EqualTo(served.Sha256), served.Path);
            Assert.That(file.GetProperty("bytes").GetInt64(), Is.EqualTo(served.Size), served.Path);
        }
    }

    [Test]
    public void RunTakesARepoIdAndThenWorksOffline()
    {
        (int first, string online, string progress) = CliRunner.Run("run", "--model", Repo, "--prompt", "Hi", "--max-new-tokens", "4", "--greedy", "--json");
        Set("HF_HUB_OFFLINE", "1");
        (int second, string offline, _) = CliRunner.Run("run", "--model", Repo, "--prompt", "Hi", "--max-new-tokens", "4", "--greedy", "--json");
        (int missing, _, string error) = CliRunner.Run("run", "--model", "onnx-community/Not-Cached", "--prompt", "Hi");

        Assert.Multiple(() =>
        {
            Assert.That((first, second), Is.EqualTo((0, 0)));
            Assert.That(progress, Does.Contain("downloaded"));
            Assert.That(TokenIds(offline), Is.EqualTo(TokenIds(online)));
            Assert.That(missing, Is.EqualTo(1));
            Assert.That(error.Trim(), Does.StartWith("error: Hub repository 'onnx-community/Not-Cached': offline mode is on"));
        });
    }

    [Test]
    public void ModelsListShowsAPulledModelAndRmDeletesIt()
    {
        CliRunner.Run("pull", Repo);
        (_, string listed, _) = CliRunner.Run("models", "list", "--json");
        (int removed, _, _) = CliRunner.Run("models", "rm", Repo);
        (int again, _, string error) = CliRunner.Run("models", "rm", Repo);

        using JsonDocument json = JsonDocument.Parse(listed);
        JsonElement model = json.RootElement.EnumerateArray().Single();
        Assert.Multiple(() =>
        {
            Assert.That(model.GetProperty("repo").GetString(), Is.EqualTo(Repo));
            Assert.That(model.GetProperty("variants").EnumerateArray().Select(v => v.GetString()), Is.EqualTo(new[] { "fp32" }));
            Assert.That(model.GetProperty("bytes").GetInt64(), Is.EqualTo(_repo.Files.Values.Sum(f => f.Size)));
            Assert.That((removed, again), Is.EqualTo((0, 1)));
            Assert.That(error, Does.Contain("not in the cache"));
            Assert.That(Directory.EnumerateDirectories(_cache, "models--*"), Is.Empty);
        });
    }

    private static int[] TokenIds(string runJson)
    {
        using JsonDocument json = JsonDocument.Parse(runJson);
        return [.. json.RootElement.GetProperty("token_ids").EnumerateArray().Select(e => e.GetInt32())];
    }

    private void Set(string name, string? value)
    {
        _saved.TryAdd(name, Environment.GetEnvironmentVariable(name));
        Environment.SetEnvironmentVariable(name, value);
    }
}
