using Qwen.Onnx.Testing;

namespace Qwen.Onnx.Text.Tests;

/// <summary>Tiny models built once per machine into the temp folder and shared by all tests.</summary>
internal static class TinyModels
{
    public static readonly string CacheFolder = Path.Combine(Path.GetTempPath(), "qwen-onnx-tests", "models");

    public static string Text => TinyModelFactory.GetOrCreateTextModel(cacheFolder: CacheFolder);

    public static string TextWithContext(int contextLength) =>
        TinyModelFactory.GetOrCreateTextModel(new TinyQwenConfig { ContextLength = contextLength }, CacheFolder);

    /// <summary>A private copy of the default tiny model that a test may break.</summary>
    public static string DisposableCopy()
    {
        string copy = Directory.CreateTempSubdirectory("qwen-onnx-broken-").FullName;
        foreach (string file in Directory.GetFiles(Text))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        return copy;
    }
}
