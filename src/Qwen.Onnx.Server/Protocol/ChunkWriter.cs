using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Qwen.Onnx.Server.Protocol;

/// <summary>
/// Writes a streamed completion as OpenAI's server-sent events, byte for byte: <c>data: {chunk}\n\n</c> per chunk (a
/// first chunk with the role, content and reasoning deltas, tool-call deltas with their index, a last chunk with the
/// finish reason, an optional usage chunk with empty choices) and <c>data: [DONE]\n\n</c>. One JSON writer is reused
/// for every chunk and writes straight into the response pipe, so a token costs no buffers of its own.
/// </summary>
internal sealed class ChunkWriter : IAsyncDisposable
{
    private static readonly JsonEncodedText ChunkObject = JsonEncodedText.Encode("chat.completion.chunk");
    private readonly PipeWriter _pipe;
    private readonly Utf8JsonWriter _json;
    private readonly JsonEncodedText _id;
    private readonly JsonEncodedText _model;
    private readonly long _created;
    private readonly bool _includeUsage;
    private int _toolCalls;

    public ChunkWriter(PipeWriter pipe, string id, string model, long created, bool includeUsage)
    {
        _pipe = pipe;
        _json = new Utf8JsonWriter(pipe, new JsonWriterOptions { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        _id = JsonEncodedText.Encode(id);
        _model = JsonEncodedText.Encode(model);
        _created = created;
        _includeUsage = includeUsage;
    }

    public ValueTask WriteRoleAsync(CancellationToken cancellationToken)
    {
        Begin();
        _json.WriteString("role"u8, "assistant"u8);
        _json.WriteString("content"u8, ""u8);
        return End(null, cancellationToken);
    }

    public ValueTask WriteDeltaAsync(string? reasoning, string? content, CancellationToken cancellationToken)
    {
        Begin();
        if (reasoning is not null)
        {
            _json.WriteString("reasoning_content"u8, reasoning);
        }

        if (content is not null)
        {
            _json.WriteString("content"u8, content);
        }

        return End(null, cancellationToken);
    }

    /// <summary>One chunk per call, each with its own index, id, name and the whole arguments string.</summary>
    public ValueTask WriteToolCallAsync(FunctionCallContent call, CancellationToken cancellationToken)
    {
        Begin();
        _json.WriteStartArray("tool_calls"u8);
        _json.WriteStartObject();
        _json.WriteNumber("index"u8, _toolCalls++);
        _json.WriteString("id"u8, call.CallId);
        _json.WriteString("type"u8, "function"u8);
        _json.WriteStartObject("function"u8);
        _json.WriteString("name"u8, call.Name);
        _json.WriteString("arguments"u8, ToolCallArguments.ToJson(call));
        _json.WriteEndObject();
        _json.WriteEndObject();
        _json.WriteEndArray();
        return End(null, cancellationToken);
    }

    public ValueTask WriteFinishAsync(string finishReason, CancellationToken cancellationToken)
    {
        Begin();
        return End(finishReason, cancellationToken);
    }

    public ValueTask WriteUsageAsync(UsageBody usage, CancellationToken cancellationToken)
    {
        _pipe.Write("data: "u8);
        _json.Reset(_pipe);
        WriteHeader();
        _json.WriteStartArray("choices"u8);
        _json.WriteEndArray();
        _json.WritePropertyName("usage"u8);
        JsonSerializer.Serialize(_json, usage, ServerJson.Wire.UsageBody);
        _json.WriteEndObject();
        return Send(cancellationToken);
    }

    public ValueTask WriteDoneAsync(CancellationToken cancellationToken)
    {
        _pipe.Write("data: [DONE]\n\n"u8);
        return FlushAsync(cancellationToken);
    }

    /// <summary>An error after the stream began: one event with OpenAI's error body (no [DONE] follows).</summary>
    public ValueTask WriteErrorAsync(ApiError error, CancellationToken cancellationToken)
    {
        _pipe.Write("data: "u8);
        _json.Reset(_pipe);
        JsonSerializer.Serialize(_json, ErrorResults.Envelope(error), ServerJson.Wire.ErrorEnvelope);
        return Send(cancellationToken);
    }

    public ValueTask DisposeAsync() => _json.DisposeAsync();

    private void WriteHeader()
    {
        _json.WriteStartObject();
        _json.WriteString("id"u8, _id);
        _json.WriteString("object"u8, ChunkObject);
        _json.WriteNumber("created"u8, _created);
        _json.WriteString("model"u8, _model);
    }

    private void Begin()
    {
        _pipe.Write("data: "u8);
        _json.Reset(_pipe);
        WriteHeader();
        _json.WriteStartArray("choices"u8);
        _json.WriteStartObject();
        _json.WriteNumber("index"u8, 0);
        _json.WriteStartObject("delta"u8);
    }

    private ValueTask End(string? finishReason, CancellationToken cancellationToken)
    {
        _json.WriteEndObject();
        _json.WriteNull("logprobs"u8);
        if (finishReason is null)
        {
            _json.WriteNull("finish_reason"u8);
        }
        else
        {
            _json.WriteString("finish_reason"u8, finishReason);
        }

        _json.WriteEndObject();
        _json.WriteEndArray();
        if (_includeUsage)
        {
            _json.WriteNull("usage"u8);
        }

        _json.WriteEndObject();
        return Send(cancellationToken);
    }

    private ValueTask Send(CancellationToken cancellationToken)
    {
        _json.Flush();
        _pipe.Write("\n\n"u8);
        return FlushAsync(cancellationToken);
    }

    /// <summary>
    /// Flushes and stops the generation when the client has gone. Kestrel reports a closed connection by completing
    /// the flush (no exception), and its RequestAborted token is cancelled later on the thread pool, so without this
    /// check a disconnected stream could run to its token limit.
    /// </summary>
    private ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        ValueTask<FlushResult> flush = _pipe.FlushAsync(cancellationToken);
        if (!flush.IsCompletedSuccessfully)
        {
            return AwaitFlushAsync(flush);
        }

        ThrowIfClientGone(flush.Result);
        return ValueTask.CompletedTask;
    }

    private static async ValueTask AwaitFlushAsync(ValueTask<FlushResult> flush) => ThrowIfClientGone(await flush.ConfigureAwait(false));

    private static void ThrowIfClientGone(FlushResult result)
    {
        if (result.IsCompleted)
        {
            throw new ClientDisconnectedException();
        }
    }
}
