namespace Qwen.Onnx.Hub;

/// <summary>How far a pull is, reported a few times a second and once at the end.</summary>
/// <param name="BytesDownloaded">Bytes received so far in this pull (resumed bytes of partial files count as received).</param>
/// <param name="BytesTotal">Bytes this pull has to fetch (files already cached excluded).</param>
/// <param name="FilesDone">Files finished (downloaded and verified).</param>
/// <param name="FilesTotal">Files this pull has to fetch.</param>
/// <param name="CurrentFile">A file being downloaded, or <see langword="null"/> when none is.</param>
public readonly record struct HubDownloadProgress(long BytesDownloaded, long BytesTotal, int FilesDone, int FilesTotal, string? CurrentFile);
