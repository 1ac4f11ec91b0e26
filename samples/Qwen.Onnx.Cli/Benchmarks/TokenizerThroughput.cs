using System.Diagnostics;
using System.Text;
using Qwen.Onnx.Tokenization;

namespace Qwen.Onnx.Cli.Benchmarks;

/// <summary>Encode throughput of the SDK's tokenizer on a mixed English, Chinese, code and emoji corpus of about 1 MB.</summary>
internal static class TokenizerThroughput
{
    private const string Sample =
        "The quick brown fox jumps over the lazy dog. 通义千问是阿里巴巴开发的大语言模型，支持中文和英文。\n" +
        "def fibonacci(n):\n    return n if n < 2 else fibonacci(n - 1) + fibonacci(n - 2)\n" +
        "Emoji 😀🚀 and numbers 3.14159, 2026-11-29; naïve café résumé.\n\n\t  indented   spaces\n";

    public static double MegabytesPerSecond(QwenTokenizer tokenizer)
    {
        int copies = (1 << 20) / Encoding.UTF8.GetByteCount(Sample) + 1;
        string text = new StringBuilder(Sample.Length * copies).Insert(0, Sample, copies).ToString();
        double megabytes = Encoding.UTF8.GetByteCount(text) / (1024.0 * 1024.0);
        tokenizer.Encode(text);
        var seconds = new List<double>();
        for (int i = 0; i < 3; i++)
        {
            long started = Stopwatch.GetTimestamp();
            tokenizer.Encode(text);
            seconds.Add(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }

        return megabytes / seconds.Order().ElementAt(1);
    }
}
