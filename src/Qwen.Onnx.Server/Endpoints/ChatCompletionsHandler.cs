using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Qwen.Onnx.Server.Hosting;
using Qwen.Onnx.Server.Media;
using Qwen.Onnx.Server.Protocol;

namespace Qwen.Onnx.Server.Endpoints;

/// <summary>
/// <c>POST /v1/chat/completions</c>: validates the body, picks the model, waits for a generation slot, then answers
/// as one JSON body or as server-sent events. Generation stops within one token when the client disconnects or the
/// server shuts down.
/// </summary>
internal sealed partial class ChatCompletionsHandler(
    ModelCatalog catalog,
    QwenServerOptions options,
    RequestAdmission admission,
    RemoteMediaClient remoteMedia,
    IHostApplicationLifetime lifetime,
    ILogger<ChatCompletionsHandler> logger)
{
    private static readonly JsonDocumentOptions BodyOptions = new() { MaxDepth = 64 };
    private readonly MediaLimits _limits = new(options.MaxMediaBytes, options.AllowRemoteMedia, options.RemoteMediaTimeout);

    public async Task HandleAsync(HttpContext context)
    {
        string id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        CancellationToken token = cancellation.Token;
        try
        {
            (ChatCompletionRequest request, IChatClient client) = await PrepareAsync(context, token).ConfigureAwait(false);
            using RateLimitLease lease = await admission.EnterAsync(token).ConfigureAwait(false);
            if (!lease.IsAcquired)
            {
                throw new ApiError(429, $"The server is busy: {options.MaxConcurrentRequests} requests are generating and {options.QueueLength} are waiting. Retry shortly.", null, "rate_limit_exceeded", "rate_limit_error") { RetryAfterSeconds = 1 };
            }

            var completion = new CompletionContext(id, request, client, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            await (request.Stream ? StreamingCompletion.RunAsync(context, completion, token) : SingleCompletion.RunAsync(context, completion, token)).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (token.IsCancellationRequested || e is ClientDisconnectedException or ConnectionAbortedException)
        {
            bool clientGone = e is ClientDisconnectedException or ConnectionAbortedException || context.RequestAborted.IsCancellationRequested;
            LogCancelled(id, clientGone ? "the client disconnected" : "the server is stopping");
        }
        catch (Exception e) when (EngineErrors.TryMap(e, out ApiError? error))
        {
            await ReportAsync(context, error, token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The client gets a generic 500 (never a stack trace); the log gets the exception.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogFailed(e, id);
            await ReportAsync(context, EngineErrors.ServerFault(id), token).ConfigureAwait(false);
        }
    }

    private async Task<(ChatCompletionRequest, IChatClient)> PrepareAsync(HttpContext context, CancellationToken token)
    {
        ChatCompletionRequest request = await ReadAsync(context, token).ConfigureAwait(false);
        ServedModel model = catalog.Find(request.Model)
            ?? throw new ApiError(404, $"The model '{request.Model}' does not exist. Models here: {string.Join(", ", catalog.Models.Select(m => m.Id))}.", "model", "model_not_found");
        IChatClient client = model switch
        {
            { ChatClient: IChatClient ready } => ready,
            { State: ServedModelState.Failed } => throw new ApiError(503, $"The model '{model.Id}' failed to load: {model.Error}", "model", "model_unavailable", "server_error"),
            _ => throw new ApiError(503, $"The model '{model.Id}' is still loading. Retry shortly.", "model", "model_loading", "server_error") { RetryAfterSeconds = 2 },
        };
        if (request.Modalities.FirstOrDefault(m => !model.InputModalities.Contains(m)) is string missing)
        {
            throw new ApiError(400, $"The model '{model.Id}' takes {string.Join(", ", model.InputModalities)} input, not {missing}. Pick a model whose /v1/models entry lists '{missing}'.", "messages", "unsupported_modality");
        }

        ResponseFormatMapping.Apply(request.ResponseFormat, request.Options);
        if (options.AllowRemoteMedia)
        {
            await RemoteMedia.FetchAllAsync(request.Messages, remoteMedia.Http, _limits, token).ConfigureAwait(false);
        }

        return (request, client);
    }

    private async Task<ChatCompletionRequest> ReadAsync(HttpContext context, CancellationToken token)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = options.MaxRequestBodyBytes;
        }

        try
        {
            using JsonDocument body = await JsonDocument.ParseAsync(context.Request.Body, BodyOptions, token).ConfigureAwait(false);
            return ChatRequestParser.Parse(body.RootElement, _limits, options.DefaultMaxTokens);
        }
        catch (JsonException e)
        {
            throw new ApiError(400, $"The request body is not valid JSON: {e.Message}", null, "invalid_json");
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json validates string contents only when they are read.
            throw new ApiError(400, "The request body holds a string that is not valid UTF-8 (or an unpaired \\uD800-\\uDFFF escape).", null, "invalid_json");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new ApiError(413, $"The request body is larger than this server's limit of {options.MaxRequestBodyBytes} bytes.", null, "request_too_large");
        }
        catch (BadHttpRequestException e)
        {
            throw new ApiError(400, $"The request body could not be read: {e.Message}", null, "invalid_body");
        }
    }

    private static async Task ReportAsync(HttpContext context, ApiError error, CancellationToken token)
    {
        if (!context.Response.HasStarted)
        {
            await ErrorResults.WriteAsync(context, error).ConfigureAwait(false);
        }
        else if (!token.IsCancellationRequested)
        {
            await using var events = new ChunkWriter(context.Response.BodyWriter, string.Empty, string.Empty, 0, includeUsage: false);
            await events.WriteErrorAsync(error, token).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Chat completion {Id} cancelled: {Reason}")]
    private partial void LogCancelled(string id, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Chat completion {Id} failed")]
    private partial void LogFailed(Exception error, string id);
}

/// <summary>What both answer shapes need: the completion id, the request, the model's client and the creation time.</summary>
internal sealed record CompletionContext(string Id, ChatCompletionRequest Request, IChatClient Client, long Created);
