using Microsoft.ML.OnnxRuntime.Tensors;
using Qwen.Onnx.Audio.Features;
using Qwen.Onnx.Runtime;
using Qwen.Onnx.Runtime.Direct;

namespace Qwen.Onnx.Audio.Encoding;

/// <summary>
/// Runs a Qwen2-Audio encoder exported in this project's layout (<c>onnx/audio_encoder{suffix}.onnx</c>, see
/// models/README.md): <c>input_features</c> [B, mels, 3000] and <c>feature_attention_mask</c> int64 [B, 3000] in,
/// <c>audio_features</c> [B, 750, hidden] out; the first N rows of each segment (its audio-token count) are its
/// features. Names and element types come from the graph. Thread-safe; dispose to free the session.
/// </summary>
public sealed class QwenAudioEncoder : IDisposable
{
    private readonly DirectSession _session;
    private readonly PortSelection _inputs;
    private readonly PortSelection _outputs;
    private readonly bool _halfPrecision;
    private readonly string _folder;

    private QwenAudioEncoder(DirectSession session, ExecutionProvider provider, string folder)
    {
        _session = session;
        _folder = folder;
        Provider = provider;
        foreach (string required in new[] { "input_features", "feature_attention_mask" })
        {
            if (!session.Inputs.Any(p => p.Name == required))
            {
                throw new InvalidModelException(folder, $"the audio encoder has no {required} input (it has {string.Join(", ", session.Inputs.Select(p => p.Name))}).");
            }
        }

        _inputs = session.SelectInputs("input_features", "feature_attention_mask");
        _outputs = session.SelectOutputs((session.Outputs.FirstOrDefault(p => p.Name == "audio_features") ?? session.Outputs[0]).Name);
        _halfPrecision = session.Inputs.First(p => p.Name == "input_features").ElementType == TensorElementType.Float16;
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
        DirectSession session = OnnxSessions.OpenDirect(path, options, out ExecutionProvider provider);
        try
        {
            return new QwenAudioEncoder(session, provider, modelFolder);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Encodes every segment of an audio input in one batch and keeps each segment's first N rows.</summary>
    /// <param name="audio">The processed audio.</param>
    /// <param name="cancellationToken">Terminates the run; throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>Row-major features [Σ token counts, hidden], in segment order.</returns>
    /// <exception cref="InvalidModelException">The encoder's output is not [segments, 750, hidden].</exception>
    public float[] Encode(ProcessedAudio audio, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(audio);
        using var run = new CancellableRun(cancellationToken);
        using var outputs = new OwnedTensors(1);
        run.RunEncoder(_session, _inputs, _outputs, outputs, audio.InputFeatures, [audio.Segments, audio.FeatureSize, audio.Frames], _halfPrecision, audio.FeatureAttentionMask, [audio.Segments, audio.Frames]);
        long[] shape = outputs[0].GetShape();
        if (shape.Length != 3 || shape[0] != audio.Segments || audio.TokenCounts.Any(n => n > shape[1]))
        {
            throw new InvalidModelException(_folder, $"the audio encoder returned [{string.Join(", ", shape)}]; expected [{audio.Segments}, 750, hidden].");
        }

        int rows = (int)shape[1], hidden = (int)shape[2];
        var kept = new float[audio.TokenCounts.Sum() * hidden];
        for (int s = 0, offset = 0; s < audio.Segments; s++)
        {
            int n = audio.TokenCounts[s] * hidden;
            outputs[0].CopyAsSingle(s * rows * hidden, kept.AsSpan(offset, n));
            offset += n;
        }

        return kept;
    }

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();
}
