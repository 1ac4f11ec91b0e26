using Qwen.Onnx.Testing;

namespace Qwen.Onnx.Text.Tests;

/// <summary>The CPU-only GenAI package is installed here, so GPU providers must fail clearly or fall back when allowed.</summary>
public class ExecutionProviderTests
{
    [TestCase(ExecutionProvider.Cuda, "Microsoft.ML.OnnxRuntimeGenAI.Cuda", "cuda")]
    [TestCase(ExecutionProvider.DirectML, "Microsoft.ML.OnnxRuntimeGenAI.DirectML", "DML")]
    public void AMissingProviderNamesItselfTheReasonAndThePackage(ExecutionProvider provider, string package, string reasonWord)
    {
        var ex = Assert.ThrowsAsync<ExecutionProviderUnavailableException>(() => QwenModel.LoadAsync(TinyModels.Text, new QwenModelOptions { Provider = provider }));
        Assert.Multiple(() =>
        {
            Assert.That(ex!.Provider, Is.EqualTo(provider));
            Assert.That(ex.Reason, Does.Contain(reasonWord).IgnoreCase);
            Assert.That(ex.Message, Does.Contain(package));
            Assert.That(ex.Message, Does.Contain(provider.ToString()));
        });
    }

    [Test]
    public async Task FallbackToCpuIsOptInAndReported()
    {
        var logs = new RecordingLoggerFactory();
        await using QwenModel model = await QwenModel.LoadAsync(TinyModels.Text, new QwenModelOptions { Provider = ExecutionProvider.Cuda, AllowCpuFallback = true, LoggerFactory = logs });
        QwenChatResponse response = await model.GenerateAsync("Hi", new GenerationOptions { MaxNewTokens = 3 });
        Assert.Multiple(() =>
        {
            Assert.That(model.Provider, Is.EqualTo(ExecutionProvider.Cpu));
            Assert.That(response.TokenIds, Has.Count.EqualTo(3));
            Assert.That(logs.Warnings, Has.Some.Contains("Cuda execution provider is not available"));
        });
    }

    [Test]
    public void CpuIsAlwaysListedAsAvailable() =>
        Assert.That(QwenModel.GetAvailableProviders(), Does.Contain(ExecutionProvider.Cpu));
}
