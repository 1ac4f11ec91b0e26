using System.Text.Json;
using Json.Schema;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using Qwen.Onnx.Extensions.AI;
using AI = Microsoft.Extensions.AI;

namespace Qwen.Onnx.Server.Tests;

/// <summary>
/// <c>response_format</c> through the official OpenAI client: on random weights only a real constraint can make every
/// answer valid JSON, so each answer is judged by JsonSchema.Net (never by the constraint engine) and must equal the
/// in-process answer to the same constrained request.
/// </summary>
public class StructuredOutputTests
{
    private const string ReceiptSchema = """
        {"type":"object","properties":{
          "merchant":{"type":"string","maxLength":16},
          "total":{"type":"number"},
          "paid":{"type":"boolean"},
          "items":{"type":"array","items":{"type":"string","enum":["bread","milk","eggs"]},"minItems":1,"maxItems":3}},
         "required":["merchant","total","paid","items"],"additionalProperties":false}
        """;

    private static ChatClient Client(string model) => Servers.Main.OpenAIClient(model);

    private static string? Problems(string schema, string text)
    {
        using JsonDocument document = JsonDocument.Parse(text);
        EvaluationResults results = JsonSchema.FromText(schema).Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        return results.IsValid ? null : string.Join("; ", (results.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));
    }

    [TestCase("text")]
    [TestCase("vl")]
    public async Task AJsonSchemaAnswerValidatesAndEqualsTheInProcessAnswer(string model)
    {
        var format = OpenAI.Chat.ChatResponseFormat.CreateJsonSchemaFormat("receipt", BinaryData.FromString(ReceiptSchema), jsonSchemaIsStrict: true);
        ChatCompletion completion = await Client(model).CompleteChatAsync([new UserChatMessage("Read the receipt.")], new ChatCompletionOptions { MaxOutputTokenCount = 400, ResponseFormat = format });

        var options = new ChatOptions { MaxOutputTokens = 400, ResponseFormat = AI.ChatResponseFormat.ForJsonSchema(JsonDocument.Parse(ReceiptSchema).RootElement, "receipt") };
        ChatResponse inProcess = await new QwenChatClient(Servers.Main.Model(model)).GetResponseAsync([new AI.ChatMessage(ChatRole.User, "Read the receipt.")], options);
        string text = completion.Content.Single().Text;
        Assert.Multiple(() =>
        {
            Assert.That(completion.FinishReason, Is.EqualTo(OpenAI.Chat.ChatFinishReason.Stop), "the end of turn is forced once the value is complete");
            Assert.That(Problems(ReceiptSchema, text), Is.Null, text);
            Assert.That(text, Is.EqualTo(inProcess.Text));
        });
    }

    [Test]
    public async Task AStreamedJsonSchemaAnswerToAnAudioQuestionValidates()
    {
        byte[] mp3 = await File.ReadAllBytesAsync(Servers.TestData("tone-1k-stereo-44k.mp3"));
#pragma warning disable OPENAI001 // The client marks input audio as an evaluation API; the wire format is OpenAI's published one.
        UserChatMessage question = new(ChatMessageContentPart.CreateInputAudioPart(BinaryData.FromBytes(mp3), ChatInputAudioFormat.Mp3), ChatMessageContentPart.CreateTextPart("Label this clip."));
#pragma warning restore OPENAI001
        var pieces = new List<string>();
        OpenAI.Chat.ChatFinishReason? finish = null;
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 400, ResponseFormat = OpenAI.Chat.ChatResponseFormat.CreateJsonSchemaFormat("receipt", BinaryData.FromString(ReceiptSchema)) };
        await foreach (StreamingChatCompletionUpdate update in Client("audio").CompleteChatStreamingAsync([question], options))
        {
            pieces.AddRange(update.ContentUpdate.Select(p => p.Text));
            finish = update.FinishReason ?? finish;
        }

        string text = string.Concat(pieces);
        Assert.Multiple(() =>
        {
            Assert.That(finish, Is.EqualTo(OpenAI.Chat.ChatFinishReason.Stop), text);
            Assert.That(Problems(ReceiptSchema, text), Is.Null, text);
            Assert.That(pieces.Count(p => p.Length > 0), Is.GreaterThan(3), "streamed token by token");
        });
    }
}
