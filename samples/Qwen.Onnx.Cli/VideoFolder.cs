namespace Qwen.Onnx.Cli;

/// <summary>A folder of extracted frames as a <see cref="VideoPart"/>: its image files in file-name order.</summary>
internal static class VideoFolder
{
    private static readonly string[] FrameExtensions = [".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"];

    public static VideoPart Load(string folder, double fps)
    {
        if (!Directory.Exists(folder))
        {
            throw new ArgumentException($"--video needs a folder of frame images; '{folder}' is not a folder.");
        }

        string[] frames = [.. Directory.EnumerateFiles(folder)
            .Where(f => FrameExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)];
        return VideoPart.FromFrameFiles(frames, fps);
    }
}
