using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.AI;
using Qwen.Onnx.Server.Protocol;

namespace Qwen.Onnx.Server.Endpoints;

/// <summary>
/// A streamed answer. The first update is awaited before any byte is sent, so what the engine refuses (an image it
/// cannot decode, a prompt beyond the context) still gets a proper 400; after that every update is one flushed event.
/// </summary>
internal static class StreamingCompletion
{
    public static async Task RunAsync(HttpContext context, CompletionContext completion, CancellationToken cancellationToken)
    {
        ChatCompletionRequest request = completion.Request;
        IAsyncEnumerator<ChatResponseUpdate> updates = completion.Client.GetStreamingResponseAsync(request.Messages, request.Options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            bool more = await updates.MoveNextAsync().ConfigureAwait(false);
            Start(context.Response);
            await using var events = new ChunkWriter(context.Response.BodyWriter, completion.Id, request.Model, completion.Created, request.IncludeUsage);
            await events.WriteRoleAsync(cancellationToken).ConfigureAwait(false);
            ChatFinishReason? finish = null;
            UsageDetails? usage = null;
            for (; more; more = await updates.MoveNextAsync().ConfigureAwait(false))
            {
                ChatResponseUpdate update = updates.Current;
                usage = await WriteUpdateAsync(events, update, cancellationToken).ConfigureAwait(false) ?? usage;
                finish = update.FinishReason ?? finish;
            }

            await events.WriteFinishAsync(CompletionMapping.FinishReason(finish), cancellationToken).ConfigureAwait(false);
            if (request.IncludeUsage)
            {
                await events.WriteUsageAsync(CompletionMapping.Usage(usage), cancellationToken).ConfigureAwait(false);
            }

            await events.WriteDoneAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await updates.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static void Start(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
    }

    /// <summary>Writes the update's text, reasoning and tool calls; returns its usage, if it carries any.</summary>
    private static async ValueTask<UsageDetails?> WriteUpdateAsync(ChunkWriter events, ChatResponseUpdate update, CancellationToken cancellationToken)
    {
        string? reasoning = null, text = null;
        UsageDetails? usage = null;
        foreach (AIContent content in update.Contents)
        {
            switch (content)
            {
                case TextReasoningContent { Text.Length: > 0 } r:
                    reasoning = reasoning is null ? r.Text : reasoning + r.Text;
                    break;
                case TextContent { Text.Length: > 0 } t:
                    text = text is null ? t.Text : text + t.Text;
                    break;
                case UsageContent u:
                    usage = u.Details;
                    break;
            }
        }

        if (reasoning is not null || text is not null)
        {
            await events.WriteDeltaAsync(reasoning, text, cancellationToken).ConfigureAwait(false);
        }

        // Calls come after the text, which is how the model wrote them.
        foreach (AIContent content in update.Contents)
        {
            if (content is FunctionCallContent call)
            {
                await events.WriteToolCallAsync(call, cancellationToken).ConfigureAwait(false);
            }
        }

        return usage;
    }
}
