using Qwen.Onnx.Testing.Gguf;

namespace Qwen.Onnx.Text.Tests.Gguf;

/// <summary>The container format alone: padding between tensors, and a callback that writes the wrong size.</summary>
public class GgufWriterTests
{
    private string _path = "";

    [SetUp]
    public void Path_() => _path = Path.Combine(Path.GetTempPath(), "qwen-onnx-gguf-" + Guid.NewGuid().ToString("N") + ".gguf");

    [TearDown]
    public void Delete() => File.Delete(_path);

    [Test]
    public void TensorsStartAtMultiplesOf32()
    {
        var writer = new GgufWriter();
        writer.Add("general.architecture", "qwen2");
        writer.AddTensor("a", GgmlType.F32, [3], s => s.Write(new byte[12]));
        writer.AddTensor("b", GgmlType.F16, [5, 2], s => s.Write(Enumerable.Repeat((byte)7, 20).ToArray()));
        writer.WriteTo(_path);

        GgufFile file = GgufFile.Read(_path);
        Assert.Multiple(() =>
        {
            Assert.That(file.Tensors.Select(t => t.Offset), Is.EqualTo(new ulong[] { 0, 32 }));
            Assert.That(file.Tensor("b").Dims, Is.EqualTo(new ulong[] { 5, 2 }));
            Assert.That(file.Data("b")[..20].ToArray(), Is.All.EqualTo(7));
            Assert.That(file.Bytes, Has.Length.EqualTo(file.DataStart + 64));
        });
    }

    [Test]
    public void ACallbackWritingTheWrongSizeFails()
    {
        var writer = new GgufWriter();
        writer.AddTensor("a", GgmlType.Q4_0, [32, 2], s => s.Write(new byte[18]));
        Assert.Throws<InvalidOperationException>(() => writer.WriteTo(_path));
    }
}
