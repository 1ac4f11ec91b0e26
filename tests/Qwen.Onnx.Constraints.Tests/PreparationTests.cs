using Qwen.Onnx.Testing;

namespace Qwen.Onnx.Constraints.Tests;

/// <summary><see cref="QwenModelOptions.PrepareStructuredOutput"/>: both engines index their vocabulary after load, before any request, and only when asked.</summary>
public sealed class PreparationTests
{
    private const string Indexed = "Indexed the vocabulary for structured output";

    public static IEnumerable<string> Layouts => ["genai-text", "onnx-text"];

    [TestCaseSource(nameof(Layouts))]
    public async Task A_model_asked_to_prepare_indexes_its_vocabulary_before_any_request(string layout)
    {
        var indexed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var logs = new RecordingLoggerFactory(message =>
        {
            if (message.StartsWith(Indexed, StringComparison.Ordinal))
            {
                indexed.TrySetResult();
            }
        });
        await using QwenModel model = await QwenModel.LoadAsync(Folder(layout), new QwenModelOptions { PrepareStructuredOutput = true, LoggerFactory = logs });

        // A bound on a hang, not a speed check: indexing takes well under a second.
        await indexed.Task.WaitAsync(TimeSpan.FromSeconds(60));
        QwenChatResponse response = await model.GenerateAsync(new QwenChatRequest([QwenChatMessage.User("Give a JSON object.")], new GenerationOptions { MaxNewTokens = 40, ResponseFormat = ResponseFormat.JsonObject }));
        Assert.That(response.Constrained, Is.True);
    }

    [TestCaseSource(nameof(Layouts))]
    public async Task A_model_not_asked_indexes_on_its_first_constrained_request_without_logging_it(string layout)
    {
        var logs = new RecordingLoggerFactory();
        await using QwenModel model = await QwenModel.LoadAsync(Folder(layout), new QwenModelOptions { LoggerFactory = logs });
        QwenChatResponse response = await model.GenerateAsync(new QwenChatRequest([QwenChatMessage.User("Give a JSON object.")], new GenerationOptions { MaxNewTokens = 40, ResponseFormat = ResponseFormat.JsonObject }));
        Assert.That(response.Constrained, Is.True);
        Assert.That(logs.Messages, Has.None.StartsWith(Indexed));
    }

    private static string Folder(string layout) => layout == "genai-text" ? TinyModelFactory.GetOrCreateTextModel() : TinyModelFactory.GetOrCreateOnnxCommunityTextModel();
}
