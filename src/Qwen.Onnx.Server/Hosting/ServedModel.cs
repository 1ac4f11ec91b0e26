using Microsoft.Extensions.AI;
using Qwen.Onnx.Extensions.AI;

namespace Qwen.Onnx.Server.Hosting;

/// <summary>Whether a served model can answer yet.</summary>
public enum ServedModelState
{
    /// <summary>Still loading in the background.</summary>
    Loading,

    /// <summary>Loaded and answering.</summary>
    Ready,

    /// <summary>Loading failed; <see cref="ServedModel.Error"/> says why.</summary>
    Failed,
}

/// <summary>One model of the server: its id, load state and, once loaded, the engine behind it.</summary>
public sealed class ServedModel
{
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal ServedModel(ServedModelDefinition definition)
    {
        Definition = definition;
        Created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    }

    /// <summary>The id clients send as <c>model</c>.</summary>
    public string Id => Definition.Id;

    /// <summary>Where it was configured to come from.</summary>
    public ServedModelDefinition Definition { get; }

    /// <summary>Whether it can answer yet.</summary>
    public ServedModelState State { get; private set; }

    /// <summary>Why loading failed, when <see cref="State"/> is <see cref="ServedModelState.Failed"/>.</summary>
    public string? Error { get; private set; }

    /// <summary>The loaded model, once <see cref="ServedModelState.Ready"/>.</summary>
    public QwenModel? Model { get; private set; }

    /// <summary>The chat client over <see cref="Model"/>, once ready.</summary>
    public IChatClient? ChatClient { get; private set; }

    /// <summary>The inputs the model takes: text, and image, video and audio when it has the encoders.</summary>
    public IReadOnlyList<string> InputModalities { get; private set; } = ["text"];

    /// <summary>The model's context length in tokens, when its config states one.</summary>
    public int? ContextLength { get; private set; }

    /// <summary>When the server registered the model (Unix seconds), OpenAI's <c>created</c>.</summary>
    public long Created { get; }

    /// <summary>Completes when loading ended, either way.</summary>
    public Task Loaded => _loaded.Task;

    internal void SetReady(QwenModel model)
    {
        Model = model;
        ChatClient = new QwenChatClient(model);
        InputModalities = ModelCard.InputModalities(model.Folder);
        ContextLength = ModelCard.ContextLength(model.Folder.Path);
        State = ServedModelState.Ready;
        _loaded.TrySetResult();
    }

    internal void SetFailed(string error)
    {
        Error = error;
        State = ServedModelState.Failed;
        _loaded.TrySetResult();
    }
}
