using Microsoft.ML.OnnxRuntime.Tensors;
using Qwen.Onnx.Runtime;
using Qwen.Onnx.Runtime.Direct;
using Qwen.Onnx.Vision.Preprocessing;

namespace Qwen.Onnx.Vision.Encoding;

/// <summary>
/// Runs an onnx-community Qwen-VL vision encoder (<c>onnx/vision_encoder{suffix}.onnx</c>): <c>pixel_values</c> and
/// <c>grid_thw</c> (Qwen2-VL) or <c>image_grid_thw</c> (Qwen2.5-VL, Qwen3-VL) in, <c>image_features</c>
/// [tokens, hidden] out. Input names and element types (float32 or float16) come from the graph. Public exports are
/// traced with one image, so each image is its own run. Thread-safe; dispose to free the session.
/// </summary>
public sealed class QwenVisionEncoder : IDisposable
{
    private readonly DirectSession _session;
    private readonly PortSelection _inputs;
    private readonly PortSelection _outputs;
    private readonly bool _halfPrecision;
    private readonly string _folder;

    private QwenVisionEncoder(DirectSession session, ExecutionProvider provider, string folder)
    {
        _session = session;
        _folder = folder;
        Provider = provider;
        string[] inputs = [.. session.Inputs.Select(p => p.Name)];
        string pixels = inputs.FirstOrDefault(k => k == "pixel_values")
            ?? throw new InvalidModelException(folder, $"the vision encoder has no pixel_values input (it has {string.Join(", ", inputs)}).");
        string grid = inputs.FirstOrDefault(k => k is "image_grid_thw" or "grid_thw")
            ?? throw new InvalidModelException(folder, "the vision encoder has neither an image_grid_thw nor a grid_thw input.");
        GraphPort output = session.Outputs.FirstOrDefault(p => p.Name == "image_features") ?? session.Outputs[0];
        _inputs = session.SelectInputs(pixels, grid);
        _outputs = session.SelectOutputs(output.Name);
        _halfPrecision = session.Inputs.First(p => p.Name == pixels).ElementType == TensorElementType.Float16;
        HiddenSize = output.Dimensions is [_, long hidden] && hidden > 0 ? (int)hidden : null;
    }

    /// <summary>The provider the session runs on.</summary>
    public ExecutionProvider Provider { get; }

    /// <summary>Width of one image feature, when the graph declares it.</summary>
    public int? HiddenSize { get; }

    /// <summary>Opens the vision encoder of an onnx-community folder.</summary>
    /// <param name="modelFolder">The model folder.</param>
    /// <param name="options">Provider, device, fallback and graph variant.</param>
    /// <exception cref="InvalidModelException">The folder has no vision encoder or it cannot be loaded.</exception>
    public static QwenVisionEncoder Open(string modelFolder, QwenModelOptions? options = null)
    {
        options ??= new QwenModelOptions();
        string path = OnnxCommunityGraphs.Find(modelFolder, "vision_encoder", options.GraphVariant)
            ?? throw new InvalidModelException(modelFolder, "onnx/vision_encoder*.onnx is missing: this is not a vision-language export.");
        DirectSession session = OnnxSessions.OpenDirect(path, options, out ExecutionProvider provider);
        try
        {
            return new QwenVisionEncoder(session, provider, modelFolder);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Encodes one image.</summary>
    /// <param name="image">Its preprocessed pixels.</param>
    /// <param name="cancellationToken">Terminates the run; throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>Row-major features [<see cref="ProcessedImage.TokenCount"/>, hidden].</returns>
    /// <exception cref="InvalidModelException">The encoder's output does not have one row per image token.</exception>
    public float[] Encode(ProcessedImage image, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var run = new CancellableRun(cancellationToken);
        return Encode(image, run);
    }

    /// <summary>Encodes several images one by one and concatenates their features in order.</summary>
    /// <param name="images">The images, in prompt order.</param>
    /// <param name="cancellationToken">Terminates the run in flight; throws <see cref="OperationCanceledException"/>.</param>
    public float[] Encode(IReadOnlyList<ProcessedImage> images, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        using var run = new CancellableRun(cancellationToken);
        return CancellableRun.Concatenate([.. images.Select(image => Encode(image, run))]);
    }

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();

    private float[] Encode(ProcessedImage image, CancellableRun run)
    {
        using var outputs = new OwnedTensors(1);
        run.RunEncoder(_session, _inputs, _outputs, outputs, image.PixelValues.Span, [image.PatchCount, image.PatchLength], _halfPrecision, [image.GridT, image.GridH, image.GridW], [1, 3]);
        long[] featureShape = outputs[0].GetShape();
        if (featureShape.Length != 2 || featureShape[0] != image.TokenCount)
        {
            throw new InvalidModelException(_folder, $"the vision encoder returned [{string.Join(", ", featureShape)}] for {image.TokenCount} image tokens; expected [{image.TokenCount}, hidden].");
        }

        var features = new float[featureShape[0] * featureShape[1]];
        outputs[0].CopyAsSingle(0, features);
        return features;
    }
}
