using System.Security.Cryptography;
using Onnx;
using Qwen.Onnx.Testing;

namespace Qwen.Onnx.Multimodal.Tests;

/// <summary>
/// <see cref="QwenModelOptions.QuantizedMatMulInt8"/> on a tiny 4-bit onnx-community export (MatMulNBits without an
/// accuracy level, as onnxruntime's quantizer writes them): the rewritten graph is saved once beside the original,
/// every MatMulNBits of it computes in int8, the original is untouched, and later loads reuse the copy. An fp32
/// export, which has no MatMulNBits, gets an empty marker and no copy.
/// </summary>
[Parallelizable(ParallelScope.None)]
public class Int8MatMulTests
{
    private string _folder = null!;
    private string _original = null!;
    private string _fp32Folder = null!;

    [OneTimeSetUp]
    public void Write()
    {
        _folder = Directory.CreateTempSubdirectory("qwen-q4-").FullName;
        SyntheticModelFactory.Write(_folder, new TinyQwenConfig(), visionLanguage: false, SyntheticPrecision.Q4, SyntheticLayout.OnnxCommunity);
        _original = Path.Combine(_folder, "onnx", "model_q4.onnx");
        _fp32Folder = Directory.CreateTempSubdirectory("qwen-fp32-").FullName;
        SyntheticModelFactory.Write(_fp32Folder, new TinyQwenConfig(), visionLanguage: false, SyntheticPrecision.Fp32, SyntheticLayout.OnnxCommunity);
    }

    [OneTimeTearDown]
    public void Delete()
    {
        Directory.Delete(_folder, recursive: true);
        Directory.Delete(_fp32Folder, recursive: true);
    }

    private string[] Rewritten => Directory.GetFiles(Path.Combine(_folder, "onnx"), "model_q4.int8-*.onnx");

    [Test, Order(1)]
    public async Task WithoutTheOptionNothingIsWritten()
    {
        await using QwenModel model = await QwenModel.LoadAsync(_folder);
        await model.GenerateAsync(new QwenChatRequest([QwenChatMessage.User("Hi")], new GenerationOptions { MaxNewTokens = 2 }));
        Assert.That(Rewritten, Is.Empty);
    }

    [Test, Order(2)]
    public async Task TheRewrittenGraphComputesEveryMatMulNBitsInInt8AndLeavesTheOriginalAlone()
    {
        byte[] before = SHA256.HashData(File.ReadAllBytes(_original));
        (int count, long[] levels) = MatMulNBits(_original);
        Assert.That((count, levels.Distinct()), Is.EqualTo((15, new long[] { -1 })), "2 layers × 7 projections + the head, no level set");

        await using QwenModel model = await QwenModel.LoadAsync(_folder, new QwenModelOptions { QuantizedMatMulInt8 = true });
        QwenChatResponse response = await model.GenerateAsync(new QwenChatRequest([QwenChatMessage.User("Hi")], new GenerationOptions { MaxNewTokens = 8, Greedy = true }));

        Assert.That(Rewritten, Has.Length.EqualTo(1));
        (int rewrittenCount, long[] rewrittenLevels) = MatMulNBits(Rewritten[0]);
        Assert.Multiple(() =>
        {
            Assert.That((rewrittenCount, rewrittenLevels.Distinct()), Is.EqualTo((15, new long[] { 4 })));
            Assert.That(SHA256.HashData(File.ReadAllBytes(_original)), Is.EqualTo(before));
            Assert.That(response.TokenIds, Has.Count.EqualTo(8));
        });
    }

    [Test, Order(3)]
    public async Task ALaterLoadReusesTheSavedGraph()
    {
        await using (await QwenModel.LoadAsync(_folder, new QwenModelOptions { QuantizedMatMulInt8 = true }))
        {
        }

        string saved = Rewritten.Single();
        DateTime written = File.GetLastWriteTimeUtc(saved);
        await using (await QwenModel.LoadAsync(_folder, new QwenModelOptions { QuantizedMatMulInt8 = true }))
        {
        }

        Assert.That((Rewritten.Single(), File.GetLastWriteTimeUtc(saved)), Is.EqualTo((saved, written)));
    }

    [Test]
    public async Task AGraphWithoutMatMulNBitsGetsAMarkerAndNoCopy()
    {
        for (int load = 0; load < 2; load++)
        {
            await using (await QwenModel.LoadAsync(_fp32Folder, new QwenModelOptions { QuantizedMatMulInt8 = true }))
            {
            }
        }

        string[] made = [.. Directory.GetFiles(Path.Combine(_fp32Folder, "onnx"), "model.int8-*").Select(Path.GetFileName)!];
        Assert.That(made, Has.Length.EqualTo(1).And.All.EndsWith(".unchanged"));
        Assert.That(new FileInfo(Path.Combine(_fp32Folder, "onnx", made[0])).Length, Is.Zero);
    }

    /// <summary>The number of MatMulNBits nodes and each one's accuracy_level (-1: not set), read with OnnxSharp.</summary>
    private static (int Count, long[] Levels) MatMulNBits(string path)
    {
        ModelProto model;
        using (FileStream file = File.OpenRead(path))
        {
            model = ModelProto.Parser.ParseFrom(file);
        }

        long[] levels = [.. model.Graph.Node.Where(n => n.OpType == "MatMulNBits").Select(n => n.Attribute.FirstOrDefault(a => a.Name == "accuracy_level")?.I ?? -1)];
        return (levels.Length, levels);
    }
}
