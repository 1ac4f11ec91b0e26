using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Qwen.Onnx.Server.Protocol;

namespace Qwen.Onnx.Server.Endpoints;

/// <summary>A non-streamed answer: one <c>chat.completion</c> body with content, reasoning, tool calls and usage.</summary>
internal static class SingleCompletion
{
    public static async Task RunAsync(HttpContext context, CompletionContext completion, CancellationToken cancellationToken)
    {
        ChatCompletionRequest request = completion.Request;
        ChatResponse response = await completion.Client.GetResponseAsync(request.Messages, request.Options, cancellationToken).ConfigureAwait(false);
        IList<AIContent> contents = response.Messages.SelectMany(m => m.Contents).ToList();
        string text = string.Concat(contents.OfType<TextContent>().Select(t => t.Text));
        string reasoning = string.Concat(contents.OfType<TextReasoningContent>().Select(r => r.Text));
        List<ToolCallBody> calls = [.. contents.OfType<FunctionCallContent>().Select(c => new ToolCallBody(c.CallId, new FunctionCallBody(c.Name, ToolCallArguments.ToJson(c))))];
        var message = new AssistantMessage(
            text.Length == 0 && calls.Count > 0 ? null : text,
            reasoning.Length > 0 ? reasoning : null,
            calls.Count > 0 ? calls : null);
        var body = new ChatCompletion(
            completion.Id,
            completion.Created,
            request.Model,
            [new CompletionChoice(message, CompletionMapping.FinishReason(response.FinishReason))],
            CompletionMapping.Usage(response.Usage));
        await context.Response.WriteAsJsonAsync(body, ServerJson.Wire.ChatCompletion, contentType: "application/json", cancellationToken).ConfigureAwait(false);
    }
}
