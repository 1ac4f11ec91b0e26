using Microsoft.Extensions.AI;
using OpenAI.Chat;
using Qwen.Onnx.Extensions.AI;
using AI = Microsoft.Extensions.AI;

namespace Qwen.Onnx.Server.Tests;

/// <summary>
/// The official OpenAI .NET client against the real server: every answer must be the one the same model gives
/// in-process through <see cref="QwenChatClient"/> (greedy decoding, so equal text means equal tokens).
/// </summary>
public class OpenAIClientTests
{
    private static ChatClient Client(string model) => Servers.Main.OpenAIClient(model);

    private static Task<ChatResponse> InProcessAsync(string model, IEnumerable<AI.ChatMessage> messages, ChatOptions options) =>
        new QwenChatClient(Servers.Main.Model(model)).GetResponseAsync(messages, options);

    [Test]
    public async Task ANonStreamedAnswerIsTheInProcessAnswerWithItsUsage()
    {
        ChatCompletion completion = await Client("text").CompleteChatAsync([new UserChatMessage("Tell me about Paris.")], new ChatCompletionOptions { MaxOutputTokenCount = 8 });
        ChatResponse reference = await InProcessAsync("text", [new AI.ChatMessage(ChatRole.User, "Tell me about Paris.")], new ChatOptions { MaxOutputTokens = 8 });
        Assert.Multiple(() =>
        {
            Assert.That(completion.Content.Single().Text, Is.EqualTo(reference.Text).And.Not.Empty);
            Assert.That(completion.FinishReason, Is.EqualTo(OpenAI.Chat.ChatFinishReason.Length));
            Assert.That(completion.Model, Is.EqualTo("text"));
            Assert.That(completion.Usage.InputTokenCount, Is.EqualTo(reference.Usage!.InputTokenCount));
            Assert.That(completion.Usage.OutputTokenCount, Is.EqualTo(8));
            Assert.That(completion.Usage.TotalTokenCount, Is.EqualTo(reference.Usage.InputTokenCount + 8));
        });
    }

    [Test]
    public async Task AStreamedAnswerArrivesInPiecesAndEndsWithFinishReasonAndUsage()
    {
        var pieces = new List<string>();
        ChatTokenUsage? usage = null;
        OpenAI.Chat.ChatFinishReason? finish = null;
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 10 };
        await foreach (StreamingChatCompletionUpdate update in Client("text").CompleteChatStreamingAsync([new UserChatMessage("Count to five.")], options))
        {
            pieces.AddRange(update.ContentUpdate.Select(p => p.Text));
            usage = update.Usage ?? usage;
            finish = update.FinishReason ?? finish;
        }

        ChatResponse reference = await InProcessAsync("text", [new AI.ChatMessage(ChatRole.User, "Count to five.")], new ChatOptions { MaxOutputTokens = 10 });
        Assert.Multiple(() =>
        {
            Assert.That(string.Concat(pieces), Is.EqualTo(reference.Text));
            Assert.That(pieces.Count(p => p.Length > 0), Is.GreaterThan(3), "one piece per token, not one blob");
            Assert.That(finish, Is.EqualTo(OpenAI.Chat.ChatFinishReason.Length));
            Assert.That(usage?.OutputTokenCount, Is.EqualTo(10));
            Assert.That(usage?.InputTokenCount, Is.EqualTo(reference.Usage!.InputTokenCount));
        });
    }

    [Test]
    public async Task AnImagePartReachesTheVisionModel()
    {
        byte[] png = await File.ReadAllBytesAsync(Servers.TestData("rgb-97x61.png"));
        ChatCompletion completion = await Client("vl").CompleteChatAsync(
            [new UserChatMessage(ChatMessageContentPart.CreateTextPart("What is this?"), ChatMessageContentPart.CreateImagePart(BinaryData.FromBytes(png), "image/png"))],
            new ChatCompletionOptions { MaxOutputTokenCount = 6 });
        ChatResponse reference = await InProcessAsync("vl", [new AI.ChatMessage(ChatRole.User, [new AI.TextContent("What is this?"), new DataContent(png, "image/png")])], new ChatOptions { MaxOutputTokens = 6 });
        ChatResponse textOnly = await InProcessAsync("vl", [new AI.ChatMessage(ChatRole.User, "What is this?")], new ChatOptions { MaxOutputTokens = 1 });
        Assert.Multiple(() =>
        {
            Assert.That(completion.Content.Single().Text, Is.EqualTo(reference.Text));
            Assert.That(completion.Usage.InputTokenCount, Is.EqualTo(reference.Usage!.InputTokenCount));
            Assert.That(completion.Usage.InputTokenCount, Is.GreaterThan(textOnly.Usage!.InputTokenCount!.Value), "the image's tokens are in the prompt");
        });
    }

    [Test]
#pragma warning disable OPENAI001 // The client marks input audio as an evaluation API; the wire format is OpenAI's published one.
    public async Task AnAudioPartReachesTheAudioModel()
    {
        byte[] mp3 = await File.ReadAllBytesAsync(Servers.TestData("tone-1k-stereo-44k.mp3"));
        ChatCompletion completion = await Client("audio").CompleteChatAsync(
            [new UserChatMessage(ChatMessageContentPart.CreateInputAudioPart(BinaryData.FromBytes(mp3), ChatInputAudioFormat.Mp3), ChatMessageContentPart.CreateTextPart("What do you hear?"))],
            new ChatCompletionOptions { MaxOutputTokenCount = 6 });
        ChatResponse reference = await InProcessAsync("audio", [new AI.ChatMessage(ChatRole.User, [new DataContent(mp3, "audio/mpeg"), new AI.TextContent("What do you hear?")])], new ChatOptions { MaxOutputTokens = 6 });
        ChatResponse textOnly = await InProcessAsync("audio", [new AI.ChatMessage(ChatRole.User, "What do you hear?")], new ChatOptions { MaxOutputTokens = 1 });
        Assert.Multiple(() =>
        {
            Assert.That(completion.Content.Single().Text, Is.EqualTo(reference.Text));
            Assert.That(completion.Usage.InputTokenCount, Is.EqualTo(reference.Usage!.InputTokenCount));
            Assert.That(completion.Usage.InputTokenCount, Is.GreaterThan(textOnly.Usage!.InputTokenCount!.Value), "the clip's tokens are in the prompt");
        });
    }
#pragma warning restore OPENAI001

    [Test]
    public async Task AToolCallAndItsResultGoBackToTheModelAsInProcess()
    {
        const string Schema = """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""";
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 6, Tools = { ChatTool.CreateFunctionTool("get_weather", "Current weather of a city.", BinaryData.FromString(Schema)) } };
        OpenAI.Chat.ChatMessage[] conversation =
        [
            new UserChatMessage("Weather in Paris?"),
            new AssistantChatMessage([ChatToolCall.CreateFunctionToolCall("call_1", "get_weather", BinaryData.FromString("""{"city":"Paris"}"""))]),
            new ToolChatMessage("call_1", """{"temperature": 21}"""),
        ];
        ChatCompletion first = await Client("text").CompleteChatAsync([conversation[0]], options);
        ChatCompletion afterResult = await Client("text").CompleteChatAsync(conversation, options);

        var tools = new ChatOptions { MaxOutputTokens = 6, Tools = [AIFunctionFactory.CreateDeclaration("get_weather", "Current weather of a city.", System.Text.Json.JsonDocument.Parse(Schema).RootElement)] };
        ChatResponse reference = await InProcessAsync("text",
        [
            new AI.ChatMessage(ChatRole.User, "Weather in Paris?"),
            new AI.ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call_1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" })]),
            new AI.ChatMessage(ChatRole.Tool, [new FunctionResultContent("call_1", """{"temperature": 21}""")]),
        ], tools);
        ChatResponse firstReference = await InProcessAsync("text", [new AI.ChatMessage(ChatRole.User, "Weather in Paris?")], tools);
        Assert.Multiple(() =>
        {
            Assert.That(first.Content.Single().Text, Is.EqualTo(firstReference.Text));
            Assert.That(first.Usage.InputTokenCount, Is.EqualTo(firstReference.Usage!.InputTokenCount), "the tool declaration is in the prompt");
            Assert.That(afterResult.Content.Single().Text, Is.EqualTo(reference.Text));
            Assert.That(afterResult.Usage.InputTokenCount, Is.EqualTo(reference.Usage!.InputTokenCount));
            Assert.That(afterResult.Usage.InputTokenCount, Is.GreaterThan(first.Usage.InputTokenCount + 10), "the call and its result are in the prompt");
        });
    }

    [Test]
    public async Task AFollowUpTurnReportsTheCachedPromptTokens()
    {
        // The multimodal engine keeps the last prompt's KV cache; a follow-up turn shares its prefix.
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 4 };
        List<OpenAI.Chat.ChatMessage> conversation = [new UserChatMessage("First question, about a long and winding river.")];
        ChatCompletion first = await Client("vl").CompleteChatAsync(conversation, options);
        conversation.Add(new AssistantChatMessage(first.Content.Single().Text));
        conversation.Add(new UserChatMessage("And a second one?"));
        ChatCompletion second = await Client("vl").CompleteChatAsync(conversation, options);
        Assert.That(second.Usage.InputTokenDetails.CachedTokenCount, Is.GreaterThan(0).And.LessThan(second.Usage.InputTokenCount));
    }

    [Test]
    public async Task MicrosoftExtensionsAIOverTheServerGivesTheInProcessTokens()
    {
        IChatClient remote = Client("text").AsIChatClient();
        AI.ChatMessage[] messages = [new(ChatRole.System, "You are terse."), new(ChatRole.User, "Name three rivers.")];
        var options = new ChatOptions { MaxOutputTokens = 12 };
        ChatResponse overHttp = await remote.GetResponseAsync(messages, options);
        ChatResponse streamed = await remote.GetStreamingResponseAsync(messages, options).ToChatResponseAsync();
        ChatResponse inProcess = await InProcessAsync("text", messages, options);
        Assert.Multiple(() =>
        {
            Assert.That(overHttp.Text, Is.EqualTo(inProcess.Text).And.Not.Empty);
            Assert.That(streamed.Text, Is.EqualTo(inProcess.Text));
            Assert.That(overHttp.Usage?.InputTokenCount, Is.EqualTo(inProcess.Usage!.InputTokenCount));
            Assert.That(overHttp.FinishReason, Is.EqualTo(AI.ChatFinishReason.Length));
        });
    }
}
