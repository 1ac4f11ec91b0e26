using System.Text.Json;
using Qwen.Onnx.Testing;

namespace Qwen.Onnx.Cli.Tests;

/// <summary>
/// <c>run --json-schema/--json-object/--regex</c>: the JSON's text is the constrained value itself; a schema the engine
/// cannot honour fails in one line. <c>bench --tools</c> measures the auto tool mode's constraint.
/// </summary>
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

    [Test]
    public void BenchWithToolsMeasuresTheAutoToolModeConstraint()
    {
        string tools = Path.Combine(_folder, "tools.json");
        File.WriteAllText(tools, """[{"name":"get_time","description":"The time.","parameters":{"type":"object","properties":{"zone":{"type":"string","maxLength":8}}}},{"name":"ping"}]""");
        (int code, string output, _) = CliRunner.Run("bench", "--model", TinyModelFactory.GetOrCreateTextModel(cacheFolder: Cache), "--tools", tools, "--max-new-tokens", "6", "--runs", "1", "--json");
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.Zero);
            Assert.That(json.RootElement.GetProperty("runs").GetInt32(), Is.EqualTo(1));
            Assert.That(json.RootElement.GetProperty("first_mask_us").GetDouble(), Is.GreaterThan(0));
            Assert.That(json.RootElement.GetProperty("cold_p99_us").GetDouble(), Is.GreaterThanOrEqualTo(json.RootElement.GetProperty("cold_median_us").GetDouble()));
        });
    }

    [Test]
    public void BenchTakesToolsOrAResponseFormatNotBoth()
    {
        string tools = Path.Combine(_folder, "tools.json");
        File.WriteAllText(tools, """[{"name":"ping"}]""");
        (int code, _, string error) = CliRunner.Run("bench", "--model", "/no/model/needed", "--tools", tools, "--regex", "a+");
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.Not.Zero);
            Assert.That(error, Does.Contain("Give --tools or a response format, not both."));
        });
    }
}
