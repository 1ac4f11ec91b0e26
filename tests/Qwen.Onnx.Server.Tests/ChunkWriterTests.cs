using System.IO.Pipelines;
using Qwen.Onnx.Server.Protocol;

namespace Qwen.Onnx.Server.Tests;

/// <summary>The event writer on a pipe whose reader has gone, which is how Kestrel reports a closed connection.</summary>
public class ChunkWriterTests
{
    [Test]
    public async Task AWriteAfterTheClientHasGoneStopsTheStream()
    {
        var pipe = new Pipe();
        await using var events = new ChunkWriter(pipe.Writer, "chatcmpl-1", "text", 0, includeUsage: false);
        await events.WriteRoleAsync(CancellationToken.None);
        await pipe.Reader.CompleteAsync();

        Assert.ThrowsAsync<ClientDisconnectedException>(async () => await events.WriteDeltaAsync(null, "more", CancellationToken.None));
    }

    [Test]
    public async Task AWriteWhileTheClientReadsGoesThrough()
    {
        var pipe = new Pipe();
        await using var events = new ChunkWriter(pipe.Writer, "chatcmpl-1", "text", 0, includeUsage: false);
        await events.WriteDeltaAsync(null, "hi", CancellationToken.None);
        ReadResult read = await pipe.Reader.ReadAsync();

        Assert.That(System.Text.Encoding.UTF8.GetString(read.Buffer.FirstSpan), Does.EndWith("\"content\":\"hi\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n"));
    }
}
