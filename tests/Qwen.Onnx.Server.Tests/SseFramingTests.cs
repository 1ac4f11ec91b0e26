using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using Qwen.Onnx.Extensions.AI;

namespace Qwen.Onnx.Server.Tests;

/// <summary>The event stream byte for byte as OpenAI frames it, against text generated in-process.</summary>
public partial class SseFramingTests
{
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [GeneratedRegex("^data: \\{\"id\":\"(chatcmpl-[0-9a-f]{32})\",\"object\":\"chat.completion.chunk\",\"created\":([0-9]+),")]
    private static partial Regex FirstChunk();

    private static async Task<List<string>> InProcessPiecesAsync(string prompt, int maxTokens)
    {
        var pieces = new List<string>();
        await foreach (ChatResponseUpdate update in new QwenChatClient(Servers.Main.Model("text")).GetStreamingResponseAsync([new ChatMessage(ChatRole.User, prompt)], new ChatOptions { MaxOutputTokens = maxTokens }))
        {
            string text = string.Concat(update.Contents.OfType<TextContent>().Select(t => t.Text));
            if (text.Length > 0)
            {
                pieces.Add(text);
            }
        }

        return pieces;
    }

    private static string Expected(string id, string created, IEnumerable<string> pieces, int? promptTokens, int completionTokens)
    {
        string usageNull = promptTokens is null ? "" : ",\"usage\":null";
        string head = $"data: {{\"id\":\"{id}\",\"object\":\"chat.completion.chunk\",\"created\":{created},\"model\":\"text\",\"choices\":";
        var expected = new StringBuilder();
        expected.Append(head).Append("[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]").Append(usageNull).Append("}\n\n");
        foreach (string piece in pieces)
        {
            expected.Append(head).Append("[{\"index\":0,\"delta\":{\"content\":").Append(JsonSerializer.Serialize(piece, Relaxed)).Append("},\"logprobs\":null,\"finish_reason\":null}]").Append(usageNull).Append("}\n\n");
        }

        expected.Append(head).Append("[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"length\"}]").Append(usageNull).Append("}\n\n");
        if (promptTokens is int prompt)
        {
            expected.Append(head).Append(System.Globalization.CultureInfo.InvariantCulture, $"[],\"usage\":{{\"prompt_tokens\":{prompt},\"completion_tokens\":{completionTokens},\"total_tokens\":{prompt + completionTokens},\"prompt_tokens_details\":{{\"cached_tokens\":0}}}}}}\n\n");
        }

        return expected.Append("data: [DONE]\n\n").ToString();
    }

    [Test]
    public async Task AStreamWithUsageIsFramedByteForByte()
    {
        using HttpResponseMessage response = await RawHttp.PostAsync(Servers.Main.Http, RawHttp.Chat("text", "\"Hello\"", ""","max_tokens":5,"stream":true,"stream_options":{"include_usage":true}"""));
        string body = Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync());
        Match first = FirstChunk().Match(body);
        ChatResponse reference = await new QwenChatClient(Servers.Main.Model("text")).GetResponseAsync([new ChatMessage(ChatRole.User, "Hello")], new ChatOptions { MaxOutputTokens = 5 });
        string expected = Expected(first.Groups[1].Value, first.Groups[2].Value, await InProcessPiecesAsync("Hello", 5), (int)reference.Usage!.InputTokenCount!.Value, 5);
        Assert.Multiple(() =>
        {
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/event-stream"));
            Assert.That(first.Success, Is.True, body);
            Assert.That(body, Is.EqualTo(expected));
        });
    }

    [Test]
    public async Task AStreamWithoutUsageHasNoUsageFieldsAndEndsWithDone()
    {
        using HttpResponseMessage response = await RawHttp.PostAsync(Servers.Main.Http, RawHttp.Chat("text", "\"Hi there\"", ""","max_tokens":4,"stream":true"""));
        string body = await response.Content.ReadAsStringAsync();
        Match first = FirstChunk().Match(body);
        Assert.That(body, Is.EqualTo(Expected(first.Groups[1].Value, first.Groups[2].Value, await InProcessPiecesAsync("Hi there", 4), null, 4)));
    }

    [Test]
    public async Task ReasoningStreamsAsReasoningContentBesideContent()
    {
        var pipe = new System.IO.Pipelines.Pipe();
        await using (var writer = new Protocol.ChunkWriter(pipe.Writer, "chatcmpl-2", "m", 9, includeUsage: true))
        {
            await writer.WriteDeltaAsync("Let me think \"hard\".", null, default);
            await writer.WriteDeltaAsync(null, "Paris é", default);
        }

        await pipe.Writer.CompleteAsync();
        string text = await new StreamReader(pipe.Reader.AsStream()).ReadToEndAsync();
        const string Head = "data: {\"id\":\"chatcmpl-2\",\"object\":\"chat.completion.chunk\",\"created\":9,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":";
        Assert.That(text, Is.EqualTo(
            Head + "{\"reasoning_content\":\"Let me think \\\"hard\\\".\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n" +
            Head + "{\"content\":\"Paris é\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n"));
    }

    [Test]
    public void ToolCallsStreamAsDeltasWithTheirIndex()
    {
        var pipe = new System.IO.Pipelines.Pipe();
        var writer = new Protocol.ChunkWriter(pipe.Writer, "chatcmpl-1", "m", 7, includeUsage: false);
        Task written = Task.Run(async () =>
        {
            await writer.WriteToolCallAsync(new FunctionCallContent("call_a", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" }), default);
            await writer.WriteToolCallAsync(new FunctionCallContent("call_b", "get_time", new Dictionary<string, object?>()), default);
            await writer.WriteFinishAsync("tool_calls", default);
            await writer.DisposeAsync();
            await pipe.Writer.CompleteAsync();
        });
        string text = new StreamReader(pipe.Reader.AsStream()).ReadToEnd();
        written.Wait();
        const string Head = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":7,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":";
        Assert.That(text, Is.EqualTo(
            Head + "{\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]},\"logprobs\":null,\"finish_reason\":null}]}\n\n" +
            Head + "{\"tool_calls\":[{\"index\":1,\"id\":\"call_b\",\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"arguments\":\"{}\"}}]},\"logprobs\":null,\"finish_reason\":null}]}\n\n" +
            Head + "{},\"logprobs\":null,\"finish_reason\":\"tool_calls\"}]}\n\n"));
    }
}
