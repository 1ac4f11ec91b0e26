using Qwen.Onnx.Multimodal.Caching;
using Qwen.Onnx.Runtime.Direct;

namespace Qwen.Onnx.Multimodal.Batching;

/// <summary>
/// Continuous batching for one engine: a thread (started when a request arrives, ended when none is left) that
/// alternates between admitting a waiting request (its prefill, in chunks of at most the prefill chunk size while
/// others are decoding, with one shared decode step after each chunk) and shared decode steps of every admitted
/// request (<see cref="DecodeBatch"/>). Requests join and leave between steps; each samples its own token, applies
/// its own stop rules and constraint, and leaves alone when it finishes, fails, is cancelled or abandoned, without
/// touching the others' rows. A lone request prefills in one run and decodes exactly as it did before batching.
/// </summary>
internal sealed class BatchScheduler : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Queue<BatchedRequest> _waiting = new();
    private readonly DecodeBatch _batch;
    private readonly PromptCache? _cache;
    private readonly int _maxRows;
    private readonly int _chunkTokens;
    private readonly Action _betweenChunks;
    private bool _looping;
    private int _chunksSinceStep;

    /// <param name="graph">The engine's graphs.</param>
    /// <param name="maxRows">The most requests one step decodes.</param>
    /// <param name="chunkTokens">The largest prefill chunk while others are decoding.</param>
    /// <param name="ones">The engine's pinned ones (see <see cref="DecoderLoop.MaskOfOnes"/>).</param>
    /// <param name="cache">Receives each finished request's KV cache; <see langword="null"/> when the prompt cache is off.</param>
    public BatchScheduler(DecoderGraph graph, int maxRows, int chunkTokens, long[] ones, PromptCache? cache)
    {
        _batch = new DecodeBatch(graph, maxRows, ones);
        _maxRows = maxRows;
        _chunkTokens = chunkTokens;
        _cache = cache;
        _betweenChunks = () =>
        {
            CountChunk();
            DecodeStep();
        };
    }

    /// <summary>Decode steps that ran two or more requests at once.</summary>
    public long SharedSteps => _batch.SharedSteps;

    /// <summary>The most requests one step has decoded.</summary>
    public int WidestStep => _batch.WidestStep;

    /// <summary>The most prefill runs that went between two decode steps of running requests (1 when prefills are chunked and interleaved as they must be).</summary>
    public int LongestStall { get; private set; }

    /// <summary>Queues a prepared request; its updates appear in <see cref="BatchedRequest.Updates"/>.</summary>
    public void Submit(BatchedRequest request)
    {
        lock (_lock)
        {
            _waiting.Enqueue(request);
            if (_looping)
            {
                return;
            }

            _looping = true;
        }

        new Thread(Loop) { IsBackground = true, Name = "Qwen.Onnx decode batch" }.Start();
    }

    /// <summary>Frees the batch's buffers; called when no request is left (the engine's gate guarantees it).</summary>
    public void Dispose() => _batch.Dispose();

    private void Loop()
    {
        while (true)
        {
            BatchedRequest? next = null;
            lock (_lock)
            {
                if (_waiting.Count > 0 && _batch.Count < _maxRows)
                {
                    next = _waiting.Dequeue();
                }
                else if (_batch.Count == 0)
                {
                    _looping = false;
                    return;
                }
            }

            if (next is null)
            {
                DecodeStep();
            }
            else
            {
                // The running requests take a step before the next newcomer's first chunk.
                Admit(next);
                DecodeStep();
            }
        }
    }

    private void Admit(BatchedRequest request)
    {
        OwnedTensors? pasts = null;
        try
        {
            request.Token.ThrowIfCancellationRequested();
            Span<float> logits = request.Loop.Prefill(request.Prompt, _cache?.Take(), _batch.Count > 0 ? _chunkTokens : int.MaxValue, _betweenChunks);
            CountChunk();
            request.Prefilled();
            bool finished = request.Accept(logits);
            pasts = request.Loop.TakeCache();
            if (finished)
            {
                Finish(request, pasts);
                return;
            }

            _batch.Join(request, pasts);
            request.Publish();
        }
        catch (Exception e)
        {
            pasts?.Dispose();
            request.Complete(Failure(e, request));
        }
    }

    /// <summary>One shared step: rows cancelled meanwhile leave first; each row then samples, and finished rows leave (last row first, so earlier rows keep their index).</summary>
    private void DecodeStep()
    {
        for (int row = _batch.Count - 1; row >= 0; row--)
        {
            BatchedRequest request = _batch[row];
            if (request.Token.IsCancellationRequested)
            {
                _batch.Leave(row, keepCache: false);
                request.Complete(new OperationCanceledException(request.Token));
            }
        }

        if (_batch.Count == 0)
        {
            return;
        }

        _chunksSinceStep = 0;
        try
        {
            _batch.Step();
        }
        catch (Exception e)
        {
            // A failed run leaves the batch's state unknown: every row fails with the run's error.
            for (int row = 0; row < _batch.Count; row++)
            {
                _batch[row].Complete(e);
            }

            _batch.Clear();
            return;
        }

        // Every row samples before any leaves: a leave lays the cache out again and drops the step's logits.
        Span<bool> finished = stackalloc bool[_batch.Count];
        Exception?[]? failures = null;
        for (int row = 0; row < _batch.Count; row++)
        {
            try
            {
                finished[row] = _batch[row].Accept(_batch.Logits(row));
            }
            catch (Exception e)
            {
                // A constraint or sampler error (or a callback of the caller's constraint) fails only its request.
                (failures ??= new Exception?[_batch.Count])[row] = e;
            }
        }

        for (int row = _batch.Count - 1; row >= 0; row--)
        {
            BatchedRequest request = _batch[row];
            if (failures?[row] is { } failure)
            {
                _batch.Leave(row, keepCache: false);
                request.Complete(failure);
            }
            else if (finished[row])
            {
                Finish(request, _batch.Leave(row, keepCache: _cache is not null));
            }
            else
            {
                request.Publish();
            }
        }
    }

    /// <summary>Counts a prefill run that the running requests (if any) waited for.</summary>
    private void CountChunk()
    {
        if (_batch.Count > 0)
        {
            LongestStall = Math.Max(LongestStall, ++_chunksSinceStep);
        }
    }

    /// <summary>Keeps a finished request's cache (before its last update is handed out: a caller may stop reading once it has it) and lets it go.</summary>
    private void Finish(BatchedRequest request, OwnedTensors? pasts)
    {
        if (_cache is not null && pasts is not null)
        {
            _cache.Store(request.Loop.DetachCache(pasts));
        }
        else
        {
            pasts?.Dispose();
        }

        request.Publish();
        request.Complete(null);
    }

    private static Exception Failure(Exception e, BatchedRequest request) =>
        e is OperationCanceledException && request.Token.IsCancellationRequested ? new OperationCanceledException(request.Token) : e;
}
