namespace Qwen.Onnx;

/// <summary>
/// A video as the frames Qwen-VL sees, in time order, sampled at <see cref="FramesPerSecond"/>. Qwen.Onnx does not
/// decode video containers; extract frames first, for example <c>ffmpeg -i clip.mp4 -vf fps=2 frames/%04d.png</c>.
/// Every two consecutive frames form one temporal patch (an odd last frame is repeated, as the reference processor
/// does), and all frames must have the first frame's size.
/// </summary>
public sealed class VideoPart : ContentPart
{
    /// <summary>The most frames one video may have (Qwen-VL's video processors sample at most 768).</summary>
    public const int MaxFrames = 768;

    private VideoPart(IReadOnlyList<ImagePart> frames, double framesPerSecond)
    {
        Frames = frames;
        FramesPerSecond = framesPerSecond;
    }

    /// <summary>The frames, in time order.</summary>
    public IReadOnlyList<ImagePart> Frames { get; }

    /// <summary>How many frames per second of video the frames were sampled at (2 by default, as qwen-vl-utils).</summary>
    public double FramesPerSecond { get; }

    /// <summary>The smallest frame area after resizing; <see langword="null"/> for the model's video default.</summary>
    public long? MinPixels { get; private set; }

    /// <summary>The largest frame area after resizing; <see langword="null"/> for the model's video default.</summary>
    public long? MaxPixels { get; private set; }

    /// <summary>A video from frames.</summary>
    /// <param name="frames">One to <see cref="MaxFrames"/> frames, in time order.</param>
    /// <param name="framesPerSecond">The sampling rate of the frames.</param>
    /// <exception cref="ArgumentException">No frames, too many, or a rate that is not a positive number.</exception>
    public static VideoPart FromFrames(IEnumerable<ImagePart> frames, double framesPerSecond = 2.0)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ImagePart[] list = [.. frames];
        if (list.Length is 0 or > MaxFrames || list.Any(f => f is null))
        {
            throw new ArgumentException($"A video needs 1 to {MaxFrames} frames (no nulls); {list.Length} were given. Sample fewer frames per second for long clips.", nameof(frames));
        }

        if (!double.IsFinite(framesPerSecond) || framesPerSecond <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(framesPerSecond), framesPerSecond, "The frame rate must be a positive number.");
        }

        return new VideoPart(list, framesPerSecond);
    }

    /// <summary>A video from frame image files, in the order given.</summary>
    /// <param name="paths">The frame files.</param>
    /// <param name="framesPerSecond">The sampling rate of the frames.</param>
    public static VideoPart FromFrameFiles(IEnumerable<string> paths, double framesPerSecond = 2.0)
    {
        ArgumentNullException.ThrowIfNull(paths);
        return FromFrames(paths.Select(ImagePart.FromFile), framesPerSecond);
    }

    /// <summary>A copy of this video with its own resize bounds for every frame.</summary>
    /// <param name="minPixels">The smallest area, or <see langword="null"/> for the model's default.</param>
    /// <param name="maxPixels">The largest area, or <see langword="null"/> for the model's default.</param>
    /// <exception cref="ArgumentOutOfRangeException">A bound is not positive, or min exceeds max.</exception>
    public VideoPart WithPixelBounds(long? minPixels, long? maxPixels)
    {
        if (minPixels <= 0 || maxPixels <= 0 || minPixels > maxPixels)
        {
            throw new ArgumentOutOfRangeException(nameof(minPixels), $"Pixel bounds must be positive with min ≤ max (got {minPixels}, {maxPixels}).");
        }

        return new VideoPart(Frames, FramesPerSecond) { MinPixels = minPixels, MaxPixels = maxPixels };
    }
}
