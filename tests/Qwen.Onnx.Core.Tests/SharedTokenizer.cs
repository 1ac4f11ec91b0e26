using Qwen.Onnx.Testing.Tokenizer;
using Qwen.Onnx.Tokenization;

namespace Qwen.Onnx.Core.Tests;

/// <summary>The real Qwen tokenizer, written once per test run from the vendored files.</summary>
internal static class SharedTokenizer
{
    private static readonly Lazy<QwenTokenizer> Lazy = new(() =>
    {
        string folder = Path.Combine(Path.GetTempPath(), "qwen-onnx-tests", "tokenizer-" + Environment.ProcessId);
        QwenTokenizerAssets.WriteTo(folder);
        try
        {
            return QwenTokenizer.FromFolder(folder);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    });

    public static QwenTokenizer Instance => Lazy.Value;
}
