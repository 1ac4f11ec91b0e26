using Qwen.Onnx.Runtime.Direct;
using Qwen.Onnx.Testing;

namespace Qwen.Onnx.Multimodal.Tests;

/// <summary>A UI thread never does the SDK's CPU work, and cancellation reaches loads that have already started.</summary>
[Parallelizable(ParallelScope.None)]
public class UiThreadAndCancellationTests
{
    private static readonly string VisionModel = TinyModelFactory.GetOrCreateVisionLanguageModel(cacheFolder: Path.Combine(Path.GetTempPath(), "qwen-onnx-tests", "models"));

    [Test]
    public async Task On_a_UI_thread_the_image_is_read_decoded_and_encoded_off_that_thread()
    {
        await using QwenModel model = await QwenModel.LoadAsync(VisionModel);
        using var ui = new SingleThreadContext();
        var image = new ThreadRecordingStream(File.ReadAllBytes(Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", "rgb-97x61.png")));
        var request = new QwenChatRequest([QwenChatMessage.User(ImagePart.FromStream(image), "Describe it.")], new GenerationOptions { MaxNewTokens = 2 });

        QwenChatResponse response = ui.Run(() => model.GenerateAsync(request));

        Assert.That(response.Usage.CompletionTokens, Is.EqualTo(2));
        Assert.That(image.ReadingThreads, Is.Not.Empty);
        Assert.That(image.ReadingThreads, Has.None.EqualTo(ui.ThreadId), "the request hopped to the thread pool before its first CPU work");
    }

    [Test]
    public void A_load_cancelled_after_it_started_stops_before_the_next_session_and_leaves_none_open()
    {
        using var cts = new CancellationTokenSource();

        // Cancel the moment the decoder is open: the load has started, and the vision encoder is still to come.
        var logs = new RecordingLoggerFactory(message =>
        {
            if (message.StartsWith("Opened decoder_model_merged", StringComparison.Ordinal))
            {
                cts.Cancel();
            }
        });
        long sessions = OrtSessionHandle.LiveCount;

        Assert.CatchAsync<OperationCanceledException>(() => QwenModel.LoadAsync(VisionModel, new QwenModelOptions { LoggerFactory = logs }, cts.Token));
        Assert.That(OrtSessionHandle.LiveCount, Is.EqualTo(sessions), "embed_tokens and the decoder were closed again");
    }

    /// <summary>An in-memory image stream that notes which threads read it.</summary>
    private sealed class ThreadRecordingStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes, writable: false);
        private readonly List<int> _threads = [];

        public IReadOnlyList<int> ReadingThreads
        {
            get
            {
                lock (_threads)
                {
                    return [.. _threads];
                }
            }
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            Record();
            return _inner.Read(buffer);
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Record();
            return _inner.ReadAsync(buffer, cancellationToken);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            _inner.Dispose();
            base.Dispose(disposing);
        }

        private void Record()
        {
            lock (_threads)
            {
                _threads.Add(Environment.CurrentManagedThreadId);
            }
        }
    }
}
