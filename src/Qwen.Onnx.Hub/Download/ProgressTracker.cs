using System.Diagnostics;

namespace Qwen.Onnx.Hub.Download;

/// <summary>Adds up the bytes of files downloading in parallel and reports at most ten times a second, plus once at the end.</summary>
internal sealed class ProgressTracker(IProgress<HubDownloadProgress>? progress, long bytesTotal, int filesTotal)
{
    private static readonly long Interval = Stopwatch.Frequency / 10;
    private long _bytes;
    private int _files;
    private long _lastReport;

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Adds (or, for an attempt that starts again from zero, takes back) bytes of one file.</summary>
    public void AddBytes(long count, string file)
    {
        Interlocked.Add(ref _bytes, count);
        long now = Stopwatch.GetTimestamp();
        long last = Interlocked.Read(ref _lastReport);
        if (progress is not null && now - last >= Interval && Interlocked.CompareExchange(ref _lastReport, now, last) == last)
        {
            progress.Report(new HubDownloadProgress(Bytes, bytesTotal, Volatile.Read(ref _files), filesTotal, file));
        }
    }

    public void FileDone(string file)
    {
        int done = Interlocked.Increment(ref _files);
        progress?.Report(new HubDownloadProgress(Bytes, bytesTotal, done, filesTotal, done == filesTotal ? null : file));
    }
}
