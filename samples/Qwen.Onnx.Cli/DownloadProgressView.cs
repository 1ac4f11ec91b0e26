using System.Diagnostics;
using System.Globalization;
using Qwen.Onnx.Hub;

namespace Qwen.Onnx.Cli;

/// <summary>
/// Download progress on stderr: one redrawn bar (bytes, rate, ETA) on a terminal; plain lines every few seconds when
/// output is redirected, so logs stay readable.
/// </summary>
internal sealed class DownloadProgressView : IProgress<HubDownloadProgress>
{
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(5);
    private readonly bool _terminal = !Console.IsOutputRedirected && !Console.IsErrorRedirected;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private TimeSpan _lastPlain = TimeSpan.Zero;
    private bool _drawn;

    public void Report(HubDownloadProgress value)
    {
        lock (_gate)
        {
            if (_terminal)
            {
                Console.Error.Write($"\r{Line(value),-100}");
                _drawn = true;
            }
            else if (_clock.Elapsed - _lastPlain >= PlainInterval || value.FilesDone == value.FilesTotal)
            {
                _lastPlain = _clock.Elapsed;
                Console.Error.WriteLine(Line(value));
            }
        }
    }

    /// <summary>Ends the bar and prints the total (nothing when everything came from the cache).</summary>
    public void Finish(long downloadedBytes)
    {
        lock (_gate)
        {
            if (_drawn)
            {
                Console.Error.WriteLine();
            }

            if (downloadedBytes > 0)
            {
                double seconds = Math.Max(_clock.Elapsed.TotalSeconds, 1e-3);
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"downloaded {Megabytes(downloadedBytes)} in {seconds:F1} s ({Megabytes((long)(downloadedBytes / seconds))}/s)"));
            }
        }
    }

    private string Line(HubDownloadProgress p)
    {
        double seconds = Math.Max(_clock.Elapsed.TotalSeconds, 1e-3);
        double rate = p.BytesDownloaded / seconds;
        double fraction = p.BytesTotal == 0 ? 1 : (double)p.BytesDownloaded / p.BytesTotal;
        string eta = rate > 0 ? TimeSpan.FromSeconds((p.BytesTotal - p.BytesDownloaded) / rate).ToString(@"m\:ss", CultureInfo.InvariantCulture) : "-";
        int filled = (int)Math.Round(Math.Clamp(fraction, 0, 1) * 30);
        return string.Create(CultureInfo.InvariantCulture,
            $"[{new string('#', filled)}{new string('.', 30 - filled)}] {fraction * 100,5:F1}% {Megabytes(p.BytesDownloaded)}/{Megabytes(p.BytesTotal)} {Megabytes((long)rate)}/s ETA {eta} files {p.FilesDone}/{p.FilesTotal} {p.CurrentFile}");
    }

    private static string Megabytes(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:F1} MB");
}
