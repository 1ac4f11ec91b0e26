using System.Threading.Channels;
using Qwen.Onnx.Generation;
using Qwen.Onnx.Multimodal.Sampling;
using Qwen.Onnx.Runtime.Direct;

namespace Qwen.Onnx.Multimodal.Batching;

/// <summary>
/// One request as the <see cref="BatchScheduler"/> sees it: its prompt, decoder state, sampling pipeline, stop rules
/// (<see cref="ResponseStreamer"/>) and the updates it has produced, which the request's stream reads. Everything but
/// the stream runs on the scheduler's thread. Owns its <see cref="DecoderLoop"/>, run options and stop source;
/// <see cref="Complete"/> frees the first two, and <see cref="Left"/> then tells the stream that nothing of the request
/// runs any more (so it may leave the engine's gate).
/// </summary>
internal sealed class BatchedRequest : IDisposable
{
    private readonly SamplingPipeline _sampler;
    private readonly ResponseStreamer _streamer;
    private readonly int _contextLength;
    private readonly CancellationTokenSource _stop;
    private readonly CancellableRun _run;
    private readonly Channel<QwenChatResponseUpdate> _updates = Channel.CreateUnbounded<QwenChatResponseUpdate>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly TaskCompletionSource _left = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private QwenChatResponseUpdate? _update;
    private QwenChatResponseUpdate? _contextFull;

    /// <param name="prompt">The prepared prompt.</param>
    /// <param name="sampler">The request's sampling pipeline (constraint included).</param>
    /// <param name="streamer">The request's stop rules and updates.</param>
    /// <param name="contextLength">The model's context length: the request stops when its cache is that long.</param>
    /// <param name="loopFor">Creates the request's decoder state on its run options.</param>
    /// <param name="cancellationToken">The request's token (the caller's, or the model's disposal).</param>
    public BatchedRequest(PreparedPrompt prompt, SamplingPipeline sampler, ResponseStreamer streamer, int contextLength, Func<CancellableRun, DecoderLoop> loopFor, CancellationToken cancellationToken)
    {
        Prompt = prompt;
        _sampler = sampler;
        _streamer = streamer;
        _contextLength = contextLength;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _run = new CancellableRun(_stop.Token);
        Loop = loopFor(_run);
    }

    public PreparedPrompt Prompt { get; }

    public DecoderLoop Loop { get; }

    /// <summary>The token the next shared step feeds this request.</summary>
    public int NextToken { get; private set; }

    /// <summary>Cancelled when the caller cancels, the model is disposed or the stream is abandoned: the request leaves at the next step.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>Completes when the scheduler has let the request go and freed its native state.</summary>
    public Task Left => _left.Task;

    /// <summary>The request's updates, in order; ends with the request's exception if it failed or was cancelled.</summary>
    public ChannelReader<QwenChatResponseUpdate> Updates => _updates.Reader;

    /// <summary>Asks the scheduler to let the request go (the stream was disposed before the end).</summary>
    public void Stop() => _stop.Cancel();

    /// <summary>Records the prefill's stage times and the reused prompt tokens.</summary>
    public void Prefilled()
    {
        _streamer.CachedPromptTokens = Loop.ReusedTokens;
        _streamer.Stages["embed"] = Loop.PromptEmbedTime;
        _streamer.Stages["prefill"] = Loop.RunTime;
    }

    /// <summary>Samples the next token from this request's logits and applies the stop rules; returns whether the request is finished. The update is held until <see cref="Publish"/>.</summary>
    public bool Accept(Span<float> logits)
    {
        int next = _sampler.Next(logits);
        _streamer.Stages["decode_run"] = Loop.RunTime - _streamer.Stages["prefill"];
        _streamer.Stages["sample"] = _sampler.SampleTime;
        if (_sampler.Constraint is not null)
        {
            _streamer.Stages["constraint"] = _sampler.ConstraintTime;
        }

        _update = _streamer.OnToken(next);
        _contextFull = _streamer.Finish is null && Loop.Length >= _contextLength ? _streamer.OnContextFull() : null;
        NextToken = next;
        return _streamer.Finish is not null;
    }

    /// <summary>Hands the updates of the last <see cref="Accept"/> to the stream.</summary>
    public void Publish()
    {
        _updates.Writer.TryWrite(_update!);
        if (_contextFull is not null)
        {
            _updates.Writer.TryWrite(_contextFull);
        }
    }

    /// <summary>Ends the stream (with <paramref name="error"/> if any), frees the decoder state and signals <see cref="Left"/>.</summary>
    public void Complete(Exception? error)
    {
        Loop.Dispose();
        _run.Dispose();
        _updates.Writer.TryComplete(error);
        _left.TrySetResult();
    }

    public void Dispose() => _stop.Dispose();
}
