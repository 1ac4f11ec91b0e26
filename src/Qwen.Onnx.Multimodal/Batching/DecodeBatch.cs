using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Qwen.Onnx.Runtime.Direct;

namespace Qwen.Onnx.Multimodal.Batching;

/// <summary>
/// The decode step every running request of an engine shares: one decoder run over a batch of B sequences, each row
/// with its own token, position (three equal M-RoPE rows for VL decoders, its length + rope delta) and attention mask.
/// <para>
/// KV layout: the batch's KV cache is one [B, heads, W, head size] tensor per past input, rows left-padded to the
/// longest sequence W (row b holds its L_b positions in the last L_b columns; the mask is 0 over the padding, which is
/// kept zero so masked scores meet finite values). The onnx-community decoders append the step's key and value with a
/// Concat, so each run's present.* (B, heads, W + 1) becomes the next run's past.* by moving between two owners, as in
/// a single request, and every sequence's new column lands at W: left padding keeps each row contiguous. Only a join or a
/// leave re-lays the cache out (one copy of the KV, about what the decoder's own Concat copies every step), trimming
/// the padding to the new longest row. The alternatives cost more at these shapes: gathering per-sequence caches into a
/// batch tensor and scattering present.* back copies the whole KV twice on every step, and a preallocated
/// [max batch, heads, max length, head size] buffer would only pay off with a decoder that writes into its past in place
/// (GroupQueryAttention with a shared buffer), which these exports do not have.
/// </para>
/// With one row the step is exactly a single request's step (mask of ones, no padding), so a lone request keeps its
/// speed and numerics. A step allocates no managed memory: inputs live in pinned buffers sized for the largest batch.
/// Native tensors have one owner each: <c>_fixed</c> and <c>_stepEmbeddingTensor</c> (the step's inputs),
/// <c>_past</c> (the last run's logits and KV cache) and <c>_present</c> (the run in flight or a re-layout).
/// </summary>
internal sealed unsafe class DecodeBatch : IDisposable
{
    private const int TokenSlot = 0, PositionSlot = 1, MaskSlot = 2;

    private readonly DecoderGraph _graph;

    // Shared steps are never terminated: cancelling one request makes it leave between steps instead.
    private readonly CancellableRun _run = new(CancellationToken.None);
    private readonly long[] _ones;
    private readonly BatchedRequest[] _rows;
    private readonly long[] _tokens, _positions, _mask;

    // The step's embeddings, written in place by embed_tokens (float16 models use the first half).
    private readonly float[] _stepEmbedding = [];
    private readonly OwnedTensors _fixed = new(3);
    private readonly OwnedTensors _stepEmbeddingTensor = new(1);
    private readonly NativeTensor[] _inputs;
    private OwnedTensors _present;
    private OwnedTensors _past;
    private float[] _logits = [];
    private int _wrappedRows;

    /// <param name="graph">The engine's graphs.</param>
    /// <param name="maxRows">The largest batch.</param>
    /// <param name="ones">The engine's pinned array of context length + 1 ones (see <see cref="DecoderLoop.MaskOfOnes"/>); never written.</param>
    public DecodeBatch(DecoderGraph graph, int maxRows, long[] ones)
    {
        _graph = graph;
        _ones = ones;
        _rows = new BatchedRequest[maxRows];
        _tokens = GC.AllocateArray<long>(maxRows, pinned: true);
        _positions = GC.AllocateArray<long>(3 * maxRows, pinned: true);
        _mask = maxRows > 1 ? GC.AllocateArray<long>(maxRows * ones.Length, pinned: true) : [];
        _inputs = new NativeTensor[graph.DecoderInputs.Names.Count];
        _present = new OwnedTensors(graph.DecoderOutputs.Names.Count);
        _past = new OwnedTensors(_present.Count);
        if (!graph.TakesTokenIds)
        {
            _stepEmbedding = GC.AllocateArray<float>(maxRows * graph.HiddenSize, pinned: true);
        }
    }

    /// <summary>Sequences in the batch.</summary>
    public int Count { get; private set; }

    /// <summary>KV columns of the batch: the longest sequence's length.</summary>
    public int Width { get; private set; }

    /// <summary>Decoder runs with two or more sequences (a diagnostic the tests read to see steps really were shared).</summary>
    public long SharedSteps { get; private set; }

    /// <summary>The most rows one step has decoded.</summary>
    public int WidestStep { get; private set; }

    /// <summary>The request in a row.</summary>
    public BatchedRequest this[int row] => _rows[row];

    /// <summary>Adds a prefilled request with its KV cache (one [1, heads, length, head size] tensor per past input, taken over).</summary>
    public void Join(BatchedRequest request, OwnedTensors pasts)
    {
        using (pasts)
        {
            if (Count == 0)
            {
                for (int i = 0; i < pasts.Count; i++)
                {
                    pasts.MoveTo(i, _past, i + 1);
                }

                Width = request.Loop.Length;
            }
            else
            {
                Relayout(Count + 1, request, pasts, leaving: -1);
            }

            _rows[Count++] = request;
        }
    }

    /// <summary>
    /// Removes a row; the rows after it move up. Returns its KV cache as [1, heads, length, head size] tensors when
    /// <paramref name="keepCache"/> (moved when it was alone, copied otherwise), else <see langword="null"/>.
    /// </summary>
    public OwnedTensors? Leave(int row, bool keepCache)
    {
        int length = _rows[row].Loop.Length;
        OwnedTensors? kept = keepCache ? new OwnedTensors(_past.Count - 1) : null;
        if (Count == 1)
        {
            for (int i = 0; kept is not null && i < kept.Count; i++)
            {
                _past.MoveTo(i + 1, kept, i);
            }

            Clear();
            return kept;
        }

        for (int i = 0; kept is not null && i < kept.Count; i++)
        {
            NativeTensor destination = _graph.HalfPrecision ? kept.Allocate<Half>(i, [1, _graph.KeyValueHeads, length, _graph.HeadSize]) : kept.Allocate<float>(i, [1, _graph.KeyValueHeads, length, _graph.HeadSize]);
            CopyRow(_past[i + 1], row, Width, destination, 0, length, length);
        }

        Relayout(Count - 1, null, null, row);
        Array.Copy(_rows, row + 1, _rows, row, Count - row - 1);
        _rows[--Count] = null!;
        return kept;
    }

    /// <summary>Empties the batch and frees its tensors (after a failed step, or when the last row leaves).</summary>
    public void Clear()
    {
        Array.Clear(_rows);
        Count = Width = _wrappedRows = 0;
        _past.ReleaseAll();
        _present.ReleaseAll();
        _fixed.ReleaseAll();
        _stepEmbeddingTensor.ReleaseAll();
    }

    /// <summary>Runs one decode step over every row with its <see cref="BatchedRequest.NextToken"/>; each row's logits are then <see cref="Logits"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Step()
    {
        int rows = Count;
        for (int b = 0; b < rows; b++)
        {
            DecoderLoop loop = _rows[b].Loop;
            loop.EnsureContext(loop.Length + 1);
            _tokens[b] = _rows[b].NextToken;
            long position = loop.Length + loop.RopeDelta;
            _positions[b] = _positions[rows + b] = _positions[(2 * rows) + b] = position;
        }

        WrapInputs(rows);
        long started = Stopwatch.GetTimestamp();
        if (_graph.Embed is { } embed)
        {
            _run.Run(embed, _graph.EmbedInputs!, _fixed.Tensors[..1], _graph.EmbedOutputs!, _stepEmbeddingTensor);
        }

        _inputs[0] = _graph.TakesTokenIds ? _fixed[TokenSlot] : _stepEmbeddingTensor[0];
        _inputs[1] = _fixed[MaskSlot];
        _inputs[2] = _fixed[PositionSlot];
        _past.Tensors[1..].CopyTo(_inputs.AsSpan(3));
        _run.Run(_graph.Decoder, _graph.DecoderInputs, _inputs, _graph.DecoderOutputs, _present);

        // This run's present.* become the next run's past; the previous run's tensors are no longer needed.
        (_past, _present) = (_present, _past);
        _present.ReleaseAll();
        TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
        Width++;
        SharedSteps += rows > 1 ? 1 : 0;
        WidestStep = Math.Max(WidestStep, rows);
        for (int b = 0; b < rows; b++)
        {
            _rows[b].Loop.Advance(_rows[b].NextToken, elapsed);
        }
    }

    /// <summary>A row's logits from the last step: a view into the native output (float32) or its widened copy (float16); the sampler may modify it.</summary>
    public Span<float> Logits(int row)
    {
        if (!_graph.HalfPrecision)
        {
            return DecoderGraph.Logits(_past[0], row, Count, []);
        }

        int vocabulary = _graph.VocabularyOf(_past[0], Count);
        if (_logits.Length < _rows.Length * vocabulary)
        {
            _logits = new float[_rows.Length * vocabulary];
        }

        return DecoderGraph.Logits(_past[0], row, Count, _logits.AsSpan(row * vocabulary, vocabulary));
    }

    public void Dispose()
    {
        Clear();
        _run.Dispose();
    }

    private static T* Pin<T>(T[] pinnedArray)
        where T : unmanaged => (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinnedArray));

    /// <summary>
    /// The step's input tensors: token, position and embedding views are re-made only when the row count changes;
    /// the mask every step (its width grows): the shared ones for a single row, else each row's zeros over its padding.
    /// </summary>
    private void WrapInputs(int rows)
    {
        int total = Width + 1;
        if (rows == 1)
        {
            _fixed.Wrap(MaskSlot, Pin(_ones), total, [1, total]);
        }
        else
        {
            for (int b = 0; b < rows; b++)
            {
                Span<long> mask = _mask.AsSpan(b * total, total);
                int padding = Width - _rows[b].Loop.Length;
                mask[..padding].Clear();
                mask[padding..].Fill(1L);
            }

            _fixed.Wrap(MaskSlot, Pin(_mask), rows * total, [rows, total]);
        }

        if (_wrappedRows == rows)
        {
            return;
        }

        _fixed.Wrap(TokenSlot, Pin(_tokens), rows, [rows, 1]);
        _fixed.Wrap(PositionSlot, Pin(_positions), _graph.ThreeRowPositions ? 3 * rows : rows, _graph.ThreeRowPositions ? [3, rows, 1] : [rows, 1]);
        if (!_graph.TakesTokenIds)
        {
            int length = rows * _graph.HiddenSize;
            if (_graph.HalfPrecision)
            {
                _stepEmbeddingTensor.Wrap(0, (Half*)Pin(_stepEmbedding), length, [rows, 1, _graph.HiddenSize]);
            }
            else
            {
                _stepEmbeddingTensor.Wrap(0, Pin(_stepEmbedding), length, [rows, 1, _graph.HiddenSize]);
            }
        }

        _wrappedRows = rows;
    }

    /// <summary>
    /// Lays the KV cache out again for <paramref name="rows"/> rows: the current rows without <paramref name="leaving"/>,
    /// then <paramref name="joiner"/> (whose cache is <paramref name="joinerPasts"/>), left-padded to the longest.
    /// </summary>
    private void Relayout(int rows, BatchedRequest? joiner, OwnedTensors? joinerPasts, int leaving)
    {
        int width = joiner?.Loop.Length ?? 0;
        for (int b = 0; b < Count; b++)
        {
            width = b == leaving ? width : Math.Max(width, _rows[b].Loop.Length);
        }

        _present.ReleaseAll();
        for (int i = 1; i < _past.Count; i++)
        {
            NativeTensor laid = _graph.HalfPrecision ? _present.Allocate<Half>(i, [rows, _graph.KeyValueHeads, width, _graph.HeadSize]) : _present.Allocate<float>(i, [rows, _graph.KeyValueHeads, width, _graph.HeadSize]);
            Clear(laid);
            for (int b = 0, to = 0; b < Count; b++)
            {
                if (b != leaving)
                {
                    CopyRow(_past[i], b, Width, laid, to++, width, _rows[b].Loop.Length);
                }
            }

            if (joiner is not null)
            {
                CopyRow(joinerPasts![i - 1], 0, joiner.Loop.Length, laid, rows - 1, width, joiner.Loop.Length);
            }
        }

        (_past, _present) = (_present, _past);
        _present.ReleaseAll();
        Width = width;
    }

    private void Clear(NativeTensor tensor)
    {
        if (_graph.HalfPrecision)
        {
            tensor.GetData<Half>().Clear();
        }
        else
        {
            tensor.GetData<float>().Clear();
        }
    }

    /// <summary>Copies the last <paramref name="length"/> columns of a source row into the last columns of a destination row, head by head.</summary>
    private void CopyRow(NativeTensor source, int sourceRow, int sourceWidth, NativeTensor destination, int destinationRow, int destinationWidth, int length)
    {
        if (_graph.HalfPrecision)
        {
            CopyRow<Half>(source.GetData<Half>(), sourceRow, sourceWidth, destination.GetData<Half>(), destinationRow, destinationWidth, length);
        }
        else
        {
            CopyRow<float>(source.GetData<float>(), sourceRow, sourceWidth, destination.GetData<float>(), destinationRow, destinationWidth, length);
        }
    }

    private void CopyRow<T>(Span<T> source, int sourceRow, int sourceWidth, Span<T> destination, int destinationRow, int destinationWidth, int length)
    {
        int heads = _graph.KeyValueHeads, headSize = _graph.HeadSize;
        for (int h = 0; h < heads; h++)
        {
            int from = ((((sourceRow * heads) + h) * sourceWidth) + sourceWidth - length) * headSize;
            int to = ((((destinationRow * heads) + h) * destinationWidth) + destinationWidth - length) * headSize;
            source.Slice(from, length * headSize).CopyTo(destination.Slice(to, length * headSize));
        }
    }
}
