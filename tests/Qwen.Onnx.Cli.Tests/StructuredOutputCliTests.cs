using System.Text.Json;
using Qwen.Onnx.Testing;

namespace Qwen.Onnx.Cli.Tests;

/// <summary><c>run --json-schema/--json-object/--regex</c>: the JSON's text is the constrained value itself; a schema the engine cannot honour fails in one line.</summary>
public class StructuredOutputCliTests
{
    private static readonly string Cache = Path.Combine(Path.GetTempPath(), "qwen-onnx-tests", "models");
    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("qwen-cli-schema-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void RunWithASchemaPrintsTheValueAsText()
    {
        string schema = Path.Combine(_folder, "schema.json");
        File.WriteAllText(schema, """{"type":"object","properties":{"ok":{"type":"boolean"},"n":{"type":"integer","minimum":1,"maximum":9}},"required":["ok","n"]}""");
        (int code, string output, _) = CliRunner.Run("run", "--model", TinyModelFactory.GetOrCreateVisionLanguageModel(cacheFolder: Cache), "--prompt", "Hi", "--json-schema", schema, "--json");
        using JsonDocument json = JsonDocument.Parse(output);
        using JsonDocument value = JsonDocument.Parse(json.RootElement.GetProperty("text").GetString()!);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.Zero);
            Assert.That(value.RootElement.GetProperty("ok").ValueKind, Is.AnyOf(JsonValueKind.True, JsonValueKind.False));
            Assert.That(value.RootElement.GetProperty("n").GetInt32(), Is.InRange(1, 9));
        });
    }

    [Test]
    public void RunWithARegexMatchesIt()
    {
        (int code, string output, _) = CliRunner.Run("run", "--model", TinyModelFactory.GetOrCreateTextModel(cacheFolder: Cache), "--prompt", "Hi", "--regex", "[a-c]{4}", "--json");
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.That(code, Is.Zero);
        Assert.That(json.RootElement.GetProperty("text").GetString(), Does.Match("^[a-c]{4}$"));
    }

    [Test]
    public void AnUnsupportedKeywordExitsNonZeroNamingIt()
    {
        string schema = Path.Combine(_folder, "schema.json");
        File.WriteAllText(schema, """{"type":"object","properties":{"tags":{"type":"array","uniqueItems":true}}}""");
        (int code, _, string error) = CliRunner.Run("run", "--model", "/no/model/needed", "--prompt", "Hi", "--json-schema", schema);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.Not.Zero);
            Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1));
            Assert.That(error, Does.Contain("'uniqueItems'").And.Contain("#/properties/tags/uniqueItems"));
        });
    }
}
