using Qwen.Onnx.Testing;

namespace Qwen.Onnx.Text.Tests;

public class TinyModelFactoryTests
{
    [Test]
    public void TheSameSeedWritesTheSameBytesAndAnotherSeedDoesNot()
    {
        string a = Directory.CreateTempSubdirectory("qwen-tiny-a-").FullName;
        string b = Directory.CreateTempSubdirectory("qwen-tiny-b-").FullName;
        string c = Directory.CreateTempSubdirectory("qwen-tiny-c-").FullName;
        try
        {
            TinyModelFactory.WriteTextModel(a, new TinyQwenConfig { Seed = 7 });
            TinyModelFactory.WriteTextModel(b, new TinyQwenConfig { Seed = 7 });
            TinyModelFactory.WriteTextModel(c, new TinyQwenConfig { Seed = 8 });
            byte[] modelA = File.ReadAllBytes(Path.Combine(a, "model.onnx"));
            Assert.Multiple(() =>
            {
                Assert.That(File.ReadAllBytes(Path.Combine(b, "model.onnx")), Is.EqualTo(modelA));
                Assert.That(File.ReadAllBytes(Path.Combine(c, "model.onnx")), Is.Not.EqualTo(modelA));
                Assert.That(Directory.GetFiles(a).Select(Path.GetFileName), Is.EquivalentTo(new[] { "genai_config.json", "model.onnx", "tokenizer.json", "tokenizer_config.json" }));
                Assert.That(new FileInfo(Path.Combine(a, "model.onnx")).Length, Is.LessThan(4_000_000));
            });
        }
        finally
        {
            foreach (string folder in new[] { a, b, c })
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    [Test]
    public void TheCacheReturnsOneFolderPerConfig()
    {
        string cache = Directory.CreateTempSubdirectory("qwen-tiny-cache-").FullName;
        try
        {
            string first = TinyModelFactory.GetOrCreateTextModel(cacheFolder: cache);
            DateTime written = File.GetLastWriteTimeUtc(Path.Combine(first, "model.onnx"));
            string again = TinyModelFactory.GetOrCreateTextModel(cacheFolder: cache);
            string other = TinyModelFactory.GetOrCreateTextModel(new TinyQwenConfig { Seed = 99 }, cache);
            Assert.Multiple(() =>
            {
                Assert.That(again, Is.EqualTo(first));
                Assert.That(File.GetLastWriteTimeUtc(Path.Combine(again, "model.onnx")), Is.EqualTo(written));
                Assert.That(other, Is.Not.EqualTo(first));
                Assert.That(Directory.GetDirectories(cache), Has.Length.EqualTo(2), "no staging folder is left behind");
            });
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }
}
