using Qwen.Onnx.Testing;

namespace Qwen.Onnx.Multimodal.Tests;

/// <summary>
/// The engine's prompt text, expanded ids and M-RoPE positions equal the independent generator's (scripts/prompt-golden)
/// for every golden case the tiny Qwen2-VL, Qwen2.5-VL (tools included) and Qwen2-Audio models can take.
/// </summary>
[Parallelizable(ParallelScope.None)]
public class GoldenPromptTests
{
    private static readonly string Cache = Path.Combine(Path.GetTempPath(), "qwen-onnx-tests", "models");
    private readonly Dictionary<string, MultimodalEngine> _engines = [];

    private static IEnumerable<string> Cases => GoldenPrompt.Runnable.Select(c => c.Name);

    [OneTimeSetUp]
    public async Task Load()
    {
        _engines["qwen2_vl"] = await MultimodalEngine.LoadAsync(TinyModelFactory.GetOrCreateVisionLanguageModel(cacheFolder: Cache));
        _engines["qwen2_5_vl"] = await MultimodalEngine.LoadAsync(TinyModelFactory.GetOrCreateQwen25VisionLanguageModel(cacheFolder: Cache));
        _engines["qwen2_audio"] = await MultimodalEngine.LoadAsync(TinyModelFactory.GetOrCreateAudioLanguageModel(cacheFolder: Cache));
    }

    [OneTimeTearDown]
    public void Unload()
    {
        foreach (MultimodalEngine engine in _engines.Values)
        {
            engine.Dispose();
        }
    }

    [TestCaseSource(nameof(Cases))]
    public async Task TheEngineBuildsTheGoldenPrompt(string name)
    {
        GoldenPrompt golden = GoldenPrompt.Named(name);
        PromptInspection inspection = await _engines[golden.Model].InspectPromptAsync(golden.ToRequest());
        Assert.Multiple(() =>
        {
            Assert.That(inspection.PromptText, Is.EqualTo(golden.Prompt));
            Assert.That(inspection.InputIds, Is.EqualTo(golden.InputIds));
            Assert.That(inspection.PositionRows, Is.EqualTo(golden.Positions.Length));
            Assert.That(inspection.PositionIds, Is.EqualTo(golden.FlatPositions));
            Assert.That(inspection.RopeDelta, Is.EqualTo(golden.RopeDelta));
        });
    }

    [TestCaseSource(nameof(Cases))]
    public void TheGoldenPromptTokenisesToTheGoldenIdsOnceItsPadsAreExpanded(string name)
    {
        // Ties the C# tokenizer (tested against its own golden) to the tokenizers.js ids the generator wrote.
        GoldenPrompt golden = GoldenPrompt.Named(name);
        int[] pads = golden.Template == "qwen2-audio" ? [151646] : [151655, 151656];
        var counts = new Queue<int>(golden.MediaTokens);
        int[] ids = [.. _engines[golden.Model].Tokenizer.Encode(golden.Prompt).SelectMany(id => pads.Contains(id) ? Enumerable.Repeat(id, counts.Dequeue()) : [id])];
        Assert.That(ids, Is.EqualTo(golden.InputIds));
    }
}
