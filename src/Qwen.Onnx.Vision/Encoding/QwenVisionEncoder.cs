using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Qwen.Onnx.Runtime;
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
    private readonly InferenceSession _session;
    private readonly string _pixelInput;
    private readonly string _gridInput;
    private readonly string _output;
    private readonly bool _halfPrecision;

    private QwenVisionEncoder(InferenceSession session, ExecutionProvider provider)
    {
        _session = session;
        Provider = provider;
        _pixelInput = session.InputMetadata.Keys.FirstOrDefault(k => k == "pixel_values")
            ?? throw new InvalidModelException(nameof(QwenVisionEncoder), $"the vision encoder has no pixel_values input (it has {string.Join(", ", session.InputMetadata.Keys)}).");
        _gridInput = session.InputMetadata.Keys.FirstOrDefault(k => k is "image_grid_thw" or "grid_thw")
            ?? throw new InvalidModelException(nameof(QwenVisionEncoder), "the vision encoder has neither an image_grid_thw nor a grid_thw input.");
        _output = session.OutputMetadata.Keys.Contains("image_features") ? "image_features" : session.OutputMetadata.Keys.First();
        _halfPrecision = session.InputMetadata[_pixelInput].ElementDataType == TensorElementType.Float16;
        int[] outDims = session.OutputMetadata[_output].Dimensions;
        HiddenSize = outDims.Length == 2 && outDims[1] > 0 ? outDims[1] : null;
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
        InferenceSession session = OnnxSessions.Open(path, options, out ExecutionProvider provider);
        try
        {
            return new QwenVisionEncoder(session, provider);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Encodes one image.</summary>
    /// <param name="image">Its preprocessed pixels.</param>
    /// <returns>Row-major features [<see cref="ProcessedImage.TokenCount"/>, hidden].</returns>
    public float[] Encode(ProcessedImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        long[] grid = [image.GridT, image.GridH, image.GridW];
        long[] shape = [image.PatchCount, image.PatchLength];
        using OrtValue pixels = _halfPrecision
            ? OrtValue.CreateTensorValueFromMemory(ToHalf(image.PixelValues.Span), shape)
            : OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, MemoryMarshal.AsMemory(image.PixelValues), shape);
        using OrtValue gridValue = OrtValue.CreateTensorValueFromMemory(grid, [1, 3]);
        var inputs = new Dictionary<string, OrtValue> { [_pixelInput] = pixels, [_gridInput] = gridValue };
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> outputs = _session.Run(runOptions, inputs, [_output]);
        OrtValue features = outputs[0];
        long[] featureShape = features.GetTensorTypeAndShape().Shape;
        if (featureShape.Length != 2 || featureShape[0] != image.TokenCount)
        {
            throw new InvalidModelException(nameof(QwenVisionEncoder), $"the vision encoder returned [{string.Join(", ", featureShape)}] for {image.TokenCount} image tokens; expected [{image.TokenCount}, hidden].");
        }

        return features.GetTensorTypeAndShape().ElementDataType == TensorElementType.Float16
            ? [.. features.GetTensorDataAsSpan<Float16>().ToArray().Select(h => (float)BitConverter.UInt16BitsToHalf(h.value))]
            : features.GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>Encodes several images one by one and concatenates their features in order.</summary>
    /// <param name="images">The images, in prompt order.</param>
    public float[] Encode(IReadOnlyList<ProcessedImage> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        return [.. images.SelectMany(Encode)];
    }

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();

    private static Float16[] ToHalf(ReadOnlySpan<float> values)
    {
        var half = new Float16[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            half[i] = new Float16(BitConverter.HalfToUInt16Bits((Half)values[i]));
        }

        return half;
    }
}
