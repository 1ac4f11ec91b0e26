using Microsoft.Extensions.AI;
using Qwen.Onnx.Extensions.AI;
using Qwen.Onnx.Testing;

namespace Qwen.Onnx.Constraints.Tests;

/// <summary>
/// Microsoft.Extensions.AI's own <c>GetResponseAsync&lt;T&gt;</c> (its schema generation, its deserialisation) on the
/// random-weight models: an image question on the VL engine and a text question on GenAI both come back as a T.
/// </summary>
[Parallelizable(ParallelScope.None)]
public sealed class ChatClientTests
{
    public enum Mood
    {
        Calm,
        Busy,
        Empty,
    }

    [TestCase("vl")]
    [TestCase("genai")]
    public async Task GetResponseAsync_of_T_deserialises_a_T(string layout)
    {
        string folder = layout == "vl" ? TinyModelFactory.GetOrCreateVisionLanguageModel() : TinyModelFactory.GetOrCreateTextModel();
        await using QwenModel model = await QwenModel.LoadAsync(folder);
        using IChatClient chat = new QwenChatClient(model);
        var parts = new List<AIContent> { new TextContent("Describe the scene.") };
        if (layout == "vl")
        {
            parts.Insert(0, new DataContent(await File.ReadAllBytesAsync(Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", "rgb-97x61.png")), "image/png"));
        }

        foreach (int seed in new[] { 1, 2, 3 })
        {
            ChatResponse<Scene> response = await chat.GetResponseAsync<Scene>([new ChatMessage(ChatRole.User, parts)], new ChatOptions { MaxOutputTokens = 200, Temperature = 0.9f, Seed = seed });
            Assert.That(response.AdditionalProperties?["qwen.constrained"], Is.EqualTo(true));
            if (response.FinishReason == ChatFinishReason.Stop)
            {
                Assert.That(response.TryGetResult(out Scene? scene), Is.True, response.Text);
                Assert.That(scene, Is.Not.Null);
                Assert.That(Enum.IsDefined(scene!.Mood), Is.True);
            }
            else
            {
                Assert.That(response.AdditionalProperties?["qwen.incomplete"], Is.EqualTo(true), response.Text);
            }
        }
    }

    [Test]
    public async Task Json_without_a_schema_is_any_object()
    {
        await using QwenModel model = await QwenModel.LoadAsync(TinyModelFactory.GetOrCreateVisionLanguageModel());
        using IChatClient chat = new QwenChatClient(model);
        ChatResponse response = await chat.GetResponseAsync("Answer in JSON.", new ChatOptions { ResponseFormat = ChatResponseFormat.Json, MaxOutputTokens = 24 });
        Assert.That(response.Text, Does.StartWith("{"));
        Assert.That(response.AdditionalProperties?["qwen.constrained"], Is.EqualTo(true));
    }

    public sealed record Scene(string Title, int People, Mood Mood, bool Outdoors);
}
