using System.Text.Json;
using Microsoft.Extensions.AI;
using Qwen.Onnx.Extensions.AI;
using Qwen.Onnx.Testing;

namespace Qwen.Onnx.Constraints.Tests;

/// <summary>
/// A required tool mode on the text engines (GenAI layout and onnx-community export, both with the model's own
/// template) and on Qwen2.5-VL with an image (the family's tool-capable template): the random-weight model's answer is
/// one call of an offered function whose arguments JsonSchema.Net accepts.
/// </summary>
[Parallelizable(ParallelScope.None)]
public sealed class ToolCallTests
{
    private const string WeatherSchema = """{"type":"object","properties":{"city":{"type":"string","maxLength":12},"unit":{"enum":["celsius","fahrenheit"]}},"required":["city","unit"]}""";
    private const string AlarmSchema = """{"type":"object","properties":{"hour":{"type":"integer","minimum":0,"maximum":23},"label":{"type":["string","null"],"maxLength":8}},"required":["hour"]}""";

    private static readonly Dictionary<string, string> Parameters = new() { ["get_weather"] = WeatherSchema, ["set_alarm"] = AlarmSchema };

    [TestCase("genai")]
    [TestCase("onnx-text")]
    [TestCase("qwen2.5-vl-image")]
    public async Task A_required_tool_mode_gives_one_valid_call(string layout)
    {
        await using QwenModel model = await QwenModel.LoadAsync(ToolLayouts.Folder(layout));
        using IChatClient chat = new QwenChatClient(model);
        AITool[] tools = [.. Parameters.Select(p => AIFunctionFactory.CreateDeclaration(p.Key, "A function.", JsonDocument.Parse(p.Value).RootElement))];
        int calls = 0;
        foreach ((ChatToolMode mode, int seed) in new[] { (ChatToolMode.RequireAny, 1), (ChatToolMode.RequireAny, 2), (ChatToolMode.RequireSpecific("set_alarm"), 3) })
        {
            ChatResponse response = await chat.GetResponseAsync(await QuestionAsync(layout), new ChatOptions { Tools = tools, ToolMode = mode, MaxOutputTokens = 120, Temperature = 1f, Seed = seed });
            if (response.FinishReason != ChatFinishReason.ToolCalls)
            {
                Assert.That(response.AdditionalProperties?["qwen.incomplete"], Is.EqualTo(true), response.Text);
                continue;
            }

            calls++;
            FunctionCallContent call = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Single();
            if (mode is RequiredChatToolMode { RequiredFunctionName: string required })
            {
                Assert.That(call.Name, Is.EqualTo(required));
            }

            string arguments = JsonSerializer.Serialize(call.Arguments);
            Assert.That(IndependentValidator.Problems(Parameters[call.Name], arguments), Is.Null, arguments);
        }

        Assert.That(calls, Is.GreaterThan(0));
    }

    private static async Task<ChatMessage> QuestionAsync(string layout)
    {
        var message = new ChatMessage(ChatRole.User, "Do something.");
        if (ToolLayouts.AsksAboutAnImage(layout))
        {
            message.Contents.Insert(0, new DataContent(await File.ReadAllBytesAsync(ToolLayouts.ImagePath), "image/png"));
        }

        return message;
    }
}
