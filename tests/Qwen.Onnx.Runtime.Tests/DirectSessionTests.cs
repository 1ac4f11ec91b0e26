using System.Runtime.CompilerServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Qwen.Onnx.Runtime.Direct;
using Qwen.Onnx.Testing;

namespace Qwen.Onnx.Runtime.Tests;

/// <summary>
/// <see cref="DirectSession"/> against ONNX Runtime's own managed API on the tiny VL export: same metadata, same
/// values, typed errors for misuse, and no managed allocation per run.
/// </summary>
public sealed unsafe class DirectSessionTests
{
    private static readonly string Folder = TinyModelFactory.GetOrCreateVisionLanguageModel(cacheFolder: Path.Combine(Path.GetTempPath(), "qwen-onnx-tests", "models"));
    private static readonly string EmbedPath = Path.Combine(Folder, "onnx", "embed_tokens.onnx");
    private static readonly string DecoderPath = Path.Combine(Folder, "onnx", "decoder_model_merged.onnx");

    [TestCase("embed_tokens.onnx")]
    [TestCase("decoder_model_merged.onnx")]
    [TestCase("vision_encoder_fp16.onnx")]
    public void Metadata_equals_what_InferenceSession_reports(string graph)
    {
        string path = Path.Combine(Folder, "onnx", graph);
        using DirectSession direct = OnnxSessions.OpenDirect(path, null, out _);
        using var managed = new InferenceSession(path);

        Assert.That(direct.Inputs.Select(Describe), Is.EqualTo(managed.InputNames.Select(n => Describe(n, managed.InputMetadata[n]))));
        Assert.That(direct.Outputs.Select(Describe), Is.EqualTo(managed.OutputNames.Select(n => Describe(n, managed.OutputMetadata[n]))));
    }

    [Test]
    public void Embeddings_equal_InferenceSession_run_and_fill_an_ONNX_Runtime_allocated_output()
    {
        long[] ids = [0, 17, 151643, 9];
        using DirectSession direct = OnnxSessions.OpenDirect(EmbedPath, null, out _);
        using var managed = new InferenceSession(EmbedPath);
        using OrtValue managedIds = OrtValue.CreateTensorValueFromMemory(ids, [1, ids.Length]);
        using IDisposableReadOnlyCollection<OrtValue> expected = managed.Run(new RunOptions(), ["input_ids"], [managedIds], [managed.OutputNames[0]]);

        using var outputs = new OwnedTensors(1);
        fixed (long* p = ids)
        {
            using var inputs = new OwnedTensors(1);
            inputs.Wrap(0, p, ids.Length, [1, ids.Length]);
            direct.Run(null, direct.SelectInputs("input_ids"), inputs.Tensors, direct.SelectOutputs(direct.Outputs[0].Name), outputs);
        }

        Assert.That(outputs[0].IsEmpty, Is.False);
        Assert.That(outputs[0].GetData<float>().ToArray(), Is.EqualTo(expected[0].GetTensorDataAsSpan<float>().ToArray()));
    }

    [Test]
    public void A_caller_allocated_output_is_written_in_place()
    {
        using DirectSession direct = OnnxSessions.OpenDirect(EmbedPath, null, out _);
        int hidden = (int)direct.Outputs[0].Dimensions[^1];
        long[] id = [42];
        float[] buffer = new float[hidden];
        fixed (long* ids = id)
        fixed (float* destination = buffer)
        {
            using var inputs = new OwnedTensors(1);
            using var outputs = new OwnedTensors(1);
            inputs.Wrap(0, ids, 1, [1, 1]);
            NativeTensor before = outputs.Wrap(0, destination, hidden, [1, 1, hidden]);
            direct.Run(null, direct.SelectInputs("input_ids"), inputs.Tensors, direct.SelectOutputs(direct.Outputs[0].Name), outputs);
            Assert.That(outputs[0], Is.EqualTo(before));
        }

        Assert.That(buffer.Count(v => v != 0), Is.GreaterThan(hidden / 2), "the embedding row was written");
    }

    [Test]
    public void The_function_table_is_the_one_the_loaded_runtime_serves_for_the_managed_bindings_version()
    {
        string loaded = OrtEnv.Instance().GetVersionString();
        Assert.That(Direct.OrtApi.RuntimeVersion, Is.EqualTo(loaded));
        Assert.That(Direct.OrtApi.ApiVersion, Is.EqualTo(uint.Parse(loaded.Split('.')[1], System.Globalization.CultureInfo.InvariantCulture)), "ONNX Runtime 1.N serves C API version N");
    }

    [Test]
    public void A_tensor_has_one_owner_moves_between_owners_and_is_freed_once()
    {
        long before = OwnedTensors.LiveCount;
        using var first = new OwnedTensors(2);
        using var second = new OwnedTensors(1);
        first.Allocate<float>(0, [2, 2]).GetData<float>().Fill(3f);
        first.Allocate<long>(1, [1]);
        first.MoveTo(0, second, 0);

        Assert.That(first[0].IsEmpty, Is.True, "the source slot gave the tensor up");
        Assert.That(second[0].GetData<float>().ToArray(), Is.EqualTo(new[] { 3f, 3f, 3f, 3f }));
        Assert.That(OwnedTensors.LiveCount - before, Is.EqualTo(2));
        first.Dispose();
        first.Dispose();
        Assert.That(OwnedTensors.LiveCount - before, Is.EqualTo(1), "disposing twice frees once; the moved tensor stays with its new owner");
        second.Release(0);
        Assert.That(OwnedTensors.LiveCount, Is.EqualTo(before));
    }

    [Test]
    public void An_owner_abandoned_without_disposal_is_freed_by_the_finalizer()
    {
        long before = OwnedTensors.LiveCount;
        Abandon();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.That(OwnedTensors.LiveCount, Is.EqualTo(before));

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        static void Abandon() => new OwnedTensors(1).Allocate<float>(0, [16]);
    }

    [Test]
    public void Repeated_runs_allocate_no_managed_memory()
    {
        using DirectSession direct = OnnxSessions.OpenDirect(EmbedPath, null, out _);
        int hidden = (int)direct.Outputs[0].Dimensions[^1];
        PortSelection inputNames = direct.SelectInputs("input_ids");
        PortSelection outputNames = direct.SelectOutputs(direct.Outputs[0].Name);
        long[] id = GC.AllocateArray<long>(1, pinned: true);
        float[] buffer = GC.AllocateArray<float>(hidden, pinned: true);
        fixed (long* ids = id)
        fixed (float* destination = buffer)
        {
            using var inputs = new OwnedTensors(1);
            using var outputs = new OwnedTensors(1);
            inputs.Wrap(0, ids, 1, [1, 1]);
            outputs.Wrap(0, destination, hidden, [1, 1, hidden]);
            for (int i = 0; i < 3; i++)
            {
                direct.Run(null, inputNames, inputs.Tensors, outputNames, outputs);
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100; i++)
            {
                id[0] = i;
                direct.Run(null, inputNames, inputs.Tensors, outputNames, outputs);
            }

            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            Assert.That(allocated, Is.Zero);
        }
    }

    [Test]
    public void Unknown_port_names_are_rejected_with_the_names_the_graph_has()
    {
        using DirectSession direct = OnnxSessions.OpenDirect(EmbedPath, null, out _);

        var e = Assert.Throws<ArgumentException>(() => direct.SelectInputs("ids"));
        Assert.That(e!.Message, Does.Contain("no input 'ids'").And.Contain("input_ids"));
        Assert.Throws<ArgumentException>(() => direct.SelectOutputs("logits"));
    }

    [Test]
    public void Selections_of_another_session_or_the_wrong_count_of_tensors_are_rejected()
    {
        using DirectSession embed = OnnxSessions.OpenDirect(EmbedPath, null, out _);
        using DirectSession other = OnnxSessions.OpenDirect(EmbedPath, null, out _);
        PortSelection foreign = other.SelectInputs("input_ids");
        PortSelection outputs = embed.SelectOutputs(embed.Outputs[0].Name);

        using var one = new OwnedTensors(1);
        using var two = new OwnedTensors(2);
        Assert.Throws<ArgumentException>(() => embed.Run(null, foreign, one.Tensors, outputs, one));
        Assert.Throws<ArgumentException>(() => embed.Run(null, embed.SelectInputs("input_ids"), two.Tensors, outputs, one));
        Assert.Throws<ArgumentException>(() => embed.Run(null, embed.SelectInputs("input_ids"), one.Tensors, outputs, two));
        Assert.Throws<ArgumentException>(() => embed.Run(null, outputs, one.Tensors, outputs, one));
    }

    [Test]
    public void A_tensor_of_the_wrong_element_type_gives_ONNX_Runtimes_message_and_the_session_stays_usable()
    {
        using DirectSession direct = OnnxSessions.OpenDirect(EmbedPath, null, out _);
        PortSelection inputNames = direct.SelectInputs("input_ids");
        PortSelection outputNames = direct.SelectOutputs(direct.Outputs[0].Name);
        float[] wrong = [1f];
        long[] right = [1];
        fixed (float* w = wrong)
        fixed (long* r = right)
        {
            using var bad = new OwnedTensors(1);
            using var good = new OwnedTensors(1);
            using var outputs = new OwnedTensors(1);
            bad.Wrap(0, w, 1, [1, 1]);
            var e = Assert.Throws<OnnxRuntimeCallException>(() => direct.Run(null, inputNames, bad.Tensors, outputNames, outputs));
            Assert.That(e!.Message, Does.Contain("expected: (tensor(int64))"));
            Assert.That(e.ErrorCode, Is.EqualTo(2), "ORT_INVALID_ARGUMENT");
            Assert.That(outputs[0].IsEmpty, Is.True);

            good.Wrap(0, r, 1, [1, 1]);
            direct.Run(null, inputNames, good.Tensors, outputNames, outputs);
            Assert.That(outputs[0].IsEmpty, Is.False);
        }
    }

    [Test]
    public void A_terminated_run_fails_with_a_typed_error()
    {
        using DirectSession direct = OnnxSessions.OpenDirect(EmbedPath, null, out _);
        using var options = new RunOptions { Terminate = true };
        long[] id = [1];
        fixed (long* p = id)
        {
            using var inputs = new OwnedTensors(1);
            using var outputs = new OwnedTensors(1);
            inputs.Wrap(0, p, 1, [1, 1]);
            Assert.Throws<OnnxRuntimeCallException>(() => direct.Run(options, direct.SelectInputs("input_ids"), inputs.Tensors, direct.SelectOutputs(direct.Outputs[0].Name), outputs));
        }
    }

    [Test]
    public void Tensor_misuse_gives_typed_errors()
    {
        long[] data = GC.AllocateArray<long>(6, pinned: true);
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = i + 1;
        }

        fixed (long* start = data)
        {
            nint address = (nint)start;
            using var owner = new OwnedTensors(1);
            Assert.Throws<ArgumentException>(() => owner.Wrap(0, (long*)address, 6, [4, 2]));
            Assert.Throws<ArgumentOutOfRangeException>(() => owner.Wrap(0, (long*)address, 6, [-2, -3]));
            NativeTensor tensor = owner.Wrap(0, start, 6, [2, 3]);
            Assert.That(tensor.GetData<long>().ToArray(), Is.EqualTo(data));
            Assert.Throws<InvalidOperationException>(() => tensor.GetData<float>());
        }

        using var allocated = new OwnedTensors(1);
        allocated.Allocate<Half>(0, [2, 0, 5]);
        Assert.That(allocated[0].GetShape(), Is.EqualTo(new long[] { 2, 0, 5 }));
        Assert.That(allocated[0].GetData<Half>().Length, Is.Zero);
        allocated.Allocate<float>(0, [3, 4]).GetData<float>().Fill(1.5f);
        Assert.That(allocated[0].GetData<float>().ToArray(), Is.EqualTo(Enumerable.Repeat(1.5f, 12)));

        Assert.Throws<InvalidOperationException>(() => default(NativeTensor).GetData<float>());
        Assert.Throws<InvalidOperationException>(() => default(NativeTensor).GetShape());
    }

    [Test]
    public void A_disposed_session_refuses_to_run_and_disposes_twice_safely()
    {
        DirectSession direct = OnnxSessions.OpenDirect(DecoderPath, null, out _);
        PortSelection inputs = direct.SelectInputs("attention_mask");
        PortSelection outputs = direct.SelectOutputs("logits");
        direct.Dispose();

        using var one = new OwnedTensors(1);
        Assert.Throws<ObjectDisposedException>(() => direct.Run(null, inputs, one.Tensors, outputs, one));
        Assert.Throws<ObjectDisposedException>(() => direct.SelectInputs("attention_mask"));
        Assert.DoesNotThrow(direct.Dispose);
    }

    [Test]
    public void Disposing_while_runs_are_in_flight_ends_them_cleanly()
    {
        DirectSession direct = OnnxSessions.OpenDirect(EmbedPath, null, out _);
        int hidden = (int)direct.Outputs[0].Dimensions[^1];
        PortSelection inputNames = direct.SelectInputs("input_ids");
        PortSelection outputNames = direct.SelectOutputs(direct.Outputs[0].Name);
        long[] id = GC.AllocateArray<long>(1, pinned: true);
        float[] buffer = GC.AllocateArray<float>(hidden, pinned: true);
        using var input = new OwnedTensors(1);
        using var output = new OwnedTensors(1);
        input.Wrap(0, (long*)Unsafe.AsPointer(ref id[0]), 1, [1, 1]);
        output.Wrap(0, (float*)Unsafe.AsPointer(ref buffer[0]), hidden, [1, 1, hidden]);
        int completed = 0;
        Task runs = Task.Run(() =>
        {
            try
            {
                while (true)
                {
                    direct.Run(null, inputNames, input.Tensors, outputNames, output);
                    completed++;
                }
            }
            catch (ObjectDisposedException)
            {
                // The session was disposed between two runs: the expected way out.
            }
        });
        SpinWait.SpinUntil(() => Volatile.Read(ref completed) >= 10, TimeSpan.FromSeconds(10));
        direct.Dispose();
        bool ended = runs.Wait(TimeSpan.FromSeconds(10));
        Assert.That(ended && runs.IsCompletedSuccessfully, Is.True, "the run loop stopped with ObjectDisposedException, without a native fault");
    }

    [Test]
    public void Missing_and_corrupt_graphs_are_invalid_models()
    {
        string folder = Path.Combine(Path.GetTempPath(), "qwen-onnx-tests", "direct-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            string corrupt = Path.Combine(folder, "corrupt.onnx");
            File.WriteAllBytes(corrupt, [0x08, 0x07, 0xFF, 0xFF, 0x13, 0x37]);

            Assert.Throws<InvalidModelException>(() => OnnxSessions.OpenDirect(Path.Combine(folder, "missing.onnx"), null, out _));
            var e = Assert.Throws<InvalidModelException>(() => OnnxSessions.OpenDirect(corrupt, null, out _));
            Assert.That(e!.InnerException, Is.TypeOf<OnnxRuntimeCallException>());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string Describe(GraphPort port) => $"{port.Name}:{port.ElementType}:[{string.Join(',', port.Dimensions)}]";

    private static string Describe(string name, NodeMetadata metadata) => $"{name}:{metadata.ElementDataType}:[{string.Join(',', metadata.Dimensions)}]";
}
