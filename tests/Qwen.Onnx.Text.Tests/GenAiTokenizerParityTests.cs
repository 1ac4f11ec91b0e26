using System.Text.Json;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Qwen.Onnx.Text.Tests;

/// <summary>The SDK's tokenizer against GenAI's own (onnxruntime-extensions) on the shared corpus and on rendered prompts.</summary>
public class GenAiTokenizerParityTests
{
    private static Model? _model;
    private static Tokenizer? _genAi;
    private static Tokenization.QwenTokenizer? _ours;

    public sealed record CorpusCase(string Name, string Text)
    {
        public override string ToString() => Name;
    }

    public static IEnumerable<CorpusCase> Corpus() =>
        JsonSerializer.Deserialize<CorpusCase[]>(File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", "tokenizer-corpus.json")), new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;

    [OneTimeSetUp]
    public static void Load()
    {
        _model = new Model(TinyModels.Text);
        _genAi = new Tokenizer(_model);
        _ours = Tokenization.QwenTokenizer.FromFolder(TinyModels.Text);
    }

    [OneTimeTearDown]
    public static void Unload()
    {
        _genAi?.Dispose();
        _model?.Dispose();
    }

    /// <summary>
    /// GenAI 0.18 skips the NFC normaliser of tokenizer.json (Hugging Face applies it, and so do we), so the two agree
    /// on NFC text; on decomposed text ours follows Hugging Face (see the core tests' golden ids).
    /// </summary>
    [TestCaseSource(nameof(Corpus))]
    public void EncodeMatchesGenAiOnNfcText(CorpusCase corpusCase)
    {
        string nfc = corpusCase.Text.Normalize(System.Text.NormalizationForm.FormC);
        using Sequences expected = _genAi!.Encode(nfc);
        Assert.That(_ours!.Encode(corpusCase.Text), Is.EqualTo(expected[0].ToArray()));
    }

    [Test]
    public void GenAiDoesNotNormalizeDecomposedText()
    {
        const string decomposed = "cafe\u0301";
        using Sequences genAi = _genAi!.Encode(decomposed);
        Assert.That(genAi[0].ToArray(), Is.Not.EqualTo(_ours!.Encode(decomposed)), "if GenAI starts normalising, the NFC note above can go");
    }

    [Test]
    public void RenderedPromptsEncodeIdentically()
    {
        string prompt = "<|im_start|>system\nYou are Qwen.<|im_end|>\n<|im_start|>user\n通义千问, what's 2+2? 😀<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n";
        using Sequences expected = _genAi!.Encode(prompt);
        Assert.That(_ours!.Encode(prompt), Is.EqualTo(expected[0].ToArray()));
    }
}
