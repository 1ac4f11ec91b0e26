using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Qwen.Onnx.Audio.Features;
using Qwen.Onnx.Runtime;

namespace Qwen.Onnx.Audio.Encoding;

/// <summary>
/// Runs a Qwen2-Audio encoder exported in this project's layout (<c>onnx/audio_encoder{suffix}.onnx</c>, see
/// models/README.md): <c>input_features</c> [B, mels, 3000] and <c>feature_attention_mask</c> int64 [B, 3000] in,
/// <c>audio_features</c> [B, 750, hidden] out; the first N rows of each segment (its audio-token count) are its
/// features. Names and element types come from the graph. Thread-safe; dispose to free the session.
/// </summary>
public sealed class QwenAudioEncoder : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _output;
    private readonly bool _halfPrecision;

    private QwenAudioEncoder(InferenceSession session, ExecutionProvider provider)
    {
        _session = session;
        Provider = provider;
        foreach (string required in new[] { "input_features", "feature_attention_mask" })
        {
            if (!session.InputMetadata.ContainsKey(required))
            {
                throw new InvalidModelException(nameof(QwenAudioEncoder), $"the audio encoder has no {required} input (it has {string.Join(", ", session.InputMetadata.Keys)}).");
            }
        }

        _output = session.OutputMetadata.ContainsKey("audio_features") ? "audio_features" : session.OutputMetadata.Keys.First();
        _halfPrecision = session.InputMetadata["input_features"].ElementDataType == TensorElementType.Float16;
    }

    /// <summary>The provider the session runs on.</summary>
    public ExecutionProvider Provider { get; }

    /// <summary>Opens the audio encoder of a model folder.</summary>
    /// <param name="modelFolder">The model folder.</param>
    /// <param name="options">Provider, device, fallback and graph variant.</param>
    /// <exception cref="InvalidModelException">The folder has no audio encoder or it cannot be loaded.</exception>
    public static QwenAudioEncoder Open(string modelFolder, QwenModelOptions? options = null)
    {
        options ??= new QwenModelOptions();
        string path = OnnxCommunityGraphs.Find(modelFolder, "audio_encoder", options.GraphVariant)
            ?? throw new InvalidModelException(modelFolder, "onnx/audio_encoder*.onnx is missing: this is not an audio-language export.");
        InferenceSession session = OnnxSessions.Open(path, options, out ExecutionProvider provider);
        try
        {
            return new QwenAudioEncoder(session, provider);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Encodes every segment of an audio input in one batch and keeps each segment's first N rows.</summary>
    /// <param name="audio">The processed audio.</param>
    /// <returns>Row-major features [Σ token counts, hidden], in segment order.</returns>
    public float[] Encode(ProcessedAudio audio)
    {
        ArgumentNullException.ThrowIfNull(audio);
        long[] featureShape = [audio.Segments, audio.FeatureSize, audio.Frames];
        using OrtValue features = _halfPrecision
            ? OrtValue.CreateTensorValueFromMemory(audio.InputFeatures.Select(f => new Float16(BitConverter.HalfToUInt16Bits((Half)f))).ToArray(), featureShape)
            : OrtValue.CreateTensorValueFromMemory(audio.InputFeatures, featureShape);
        using OrtValue mask = OrtValue.CreateTensorValueFromMemory(audio.FeatureAttentionMask, [audio.Segments, audio.Frames]);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> outputs = _session.Run(runOptions, new Dictionary<string, OrtValue> { ["input_features"] = features, ["feature_attention_mask"] = mask }, [_output]);
        long[] shape = outputs[0].GetTensorTypeAndShape().Shape;
        if (shape.Length != 3 || shape[0] != audio.Segments || audio.TokenCounts.Any(n => n > shape[1]))
        {
            throw new InvalidModelException(nameof(QwenAudioEncoder), $"the audio encoder returned [{string.Join(", ", shape)}]; expected [{audio.Segments}, 750, hidden].");
        }

        float[] all = outputs[0].GetTensorTypeAndShape().ElementDataType == TensorElementType.Float16
            ? [.. outputs[0].GetTensorDataAsSpan<Float16>().ToArray().Select(h => (float)BitConverter.UInt16BitsToHalf(h.value))]
            : outputs[0].GetTensorDataAsSpan<float>().ToArray();
        int rows = (int)shape[1], hidden = (int)shape[2];
        var kept = new float[audio.TokenCounts.Sum() * hidden];
        for (int s = 0, offset = 0; s < audio.Segments; s++)
        {
            int n = audio.TokenCounts[s] * hidden;
            all.AsSpan(s * rows * hidden, n).CopyTo(kept.AsSpan(offset));
            offset += n;
        }

        return kept;
    }

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();
}
