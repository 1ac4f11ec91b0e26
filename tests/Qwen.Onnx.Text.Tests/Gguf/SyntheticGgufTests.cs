using System.Buffers.Binary;
using System.Text.Json;
using Qwen.Onnx.Testing;
using Qwen.Onnx.Testing.Onnx;

namespace Qwen.Onnx.Text.Tests.Gguf;

/// <summary>
/// make-synthetic's GGUF layout at a reduced shape, read back by <see cref="GgufFile"/>: llama.cpp's qwen2 keys and
/// tensor names, sizes and offsets worked out by hand from the spec, F32 bytes equal to the synthetic generator's
/// values at hand-computed indices, and Q4_0 blocks that decode (by the ggml layout: fp16 scale, byte j = value j low,
/// value j + 16 high) to the levels and scale the ONNX MatMulNBits copy gets.
/// </summary>
public class SyntheticGgufTests
{
    private static readonly TinyQwenConfig Config = new() { Seed = 77 };
    private string _folder = "";
    private GgufFile _fp32 = null!;
    private GgufFile _q4 = null!;

    [OneTimeSetUp]
    public void Write()
    {
        _folder = Path.Combine(Path.GetTempPath(), "qwen-onnx-gguf-" + Guid.NewGuid().ToString("N"));
        SyntheticModelFactory.Write(_folder, Config, visionLanguage: false, SyntheticPrecision.Fp32, SyntheticLayout.Gguf);
        SyntheticModelFactory.Write(_folder, Config, visionLanguage: false, SyntheticPrecision.Q4, SyntheticLayout.Gguf);
        _fp32 = GgufFile.Read(Path.Combine(_folder, "model-f32.gguf"));
        _q4 = GgufFile.Read(Path.Combine(_folder, "model-q4_0.gguf"));
    }

    [OneTimeTearDown]
    public void Delete() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void HyperparametersAreLlamaCppQwen2Keys()
    {
        Assert.Multiple(() =>
        {
            Assert.That(_fp32.Version, Is.EqualTo(3u));
            Assert.That(_fp32.Metadata, Has.Count.EqualTo(23));
            Assert.That(_fp32.Metadata["general.architecture"], Is.EqualTo((8u, (object)"qwen2")));
            Assert.That(_fp32.Metadata["qwen2.block_count"], Is.EqualTo((4u, (object)2u)));
            Assert.That(_fp32.Metadata["qwen2.context_length"], Is.EqualTo((4u, (object)2048u)));
            Assert.That(_fp32.Metadata["qwen2.embedding_length"], Is.EqualTo((4u, (object)64u)));
            Assert.That(_fp32.Metadata["qwen2.feed_forward_length"], Is.EqualTo((4u, (object)128u)));
            Assert.That(_fp32.Metadata["qwen2.attention.head_count"], Is.EqualTo((4u, (object)4u)));
            Assert.That(_fp32.Metadata["qwen2.attention.head_count_kv"], Is.EqualTo((4u, (object)2u)));
            Assert.That(_fp32.Metadata["qwen2.rope.freq_base"], Is.EqualTo((6u, (object)1_000_000f)));
            Assert.That(_fp32.Metadata["qwen2.attention.layer_norm_rms_epsilon"], Is.EqualTo((6u, (object)1e-6f)));
            Assert.That(_fp32.Metadata["general.file_type"], Is.EqualTo((4u, (object)0u)));
            Assert.That(_q4.Metadata["general.file_type"], Is.EqualTo((4u, (object)2u)));
        });
    }

    [Test]
    public void VocabularyIsPaddedAndTypedAsTheConverterDoes()
    {
        object[] tokens = (object[])_fp32.Metadata["tokenizer.ggml.tokens"].Value;
        object[] types = (object[])_fp32.Metadata["tokenizer.ggml.token_type"].Value;
        object[] merges = (object[])_fp32.Metadata["tokenizer.ggml.merges"].Value;
        using JsonDocument config = JsonDocument.Parse(File.ReadAllText(Path.Combine(_folder, "tokenizer_config.json")));
        Assert.Multiple(() =>
        {
            Assert.That(_fp32.Metadata["tokenizer.ggml.model"].Value, Is.EqualTo("gpt2"));
            Assert.That(_fp32.Metadata["tokenizer.ggml.pre"].Value, Is.EqualTo("qwen2"));
            Assert.That(tokens, Has.Length.EqualTo(151936));
            Assert.That(tokens[0], Is.EqualTo("!"));
            Assert.That(tokens[151643], Is.EqualTo("<|endoftext|>"));
            Assert.That(tokens[151668], Is.EqualTo("</think>"));
            Assert.That(tokens[151669], Is.EqualTo("[PAD151669]"));
            Assert.That(tokens[151935], Is.EqualTo("[PAD151935]"));

            // 1 normal, 3 control (special, or <|…|> though not special), 4 user-defined, 5 unused padding.
            Assert.That(_fp32.Metadata["tokenizer.ggml.token_type"].Type, Is.EqualTo(9u));
            Assert.That(new[] { types[0], types[151643], types[151657], types[151659], types[151667], types[151669] }, Is.EqualTo(new object[] { 1, 3, 4, 3, 4, 5 }));
            Assert.That(merges, Has.Length.EqualTo(151387));
            Assert.That(merges[0], Is.EqualTo("Ġ Ġ"));
            Assert.That(_fp32.Metadata["tokenizer.ggml.eos_token_id"], Is.EqualTo((4u, (object)151645u)));
            Assert.That(_fp32.Metadata["tokenizer.ggml.padding_token_id"], Is.EqualTo((4u, (object)151643u)));
            Assert.That(_fp32.Metadata["tokenizer.ggml.bos_token_id"], Is.EqualTo((4u, (object)151643u)));
            Assert.That(_fp32.Metadata["tokenizer.ggml.add_bos_token"], Is.EqualTo((7u, (object)false)));
            Assert.That(_fp32.Metadata["tokenizer.chat_template"].Value, Is.EqualTo(config.RootElement.GetProperty("chat_template").GetString()));
        });
    }

    [Test]
    public void TensorsHaveQwen2NamesReversedDimsAndAlignedOffsets()
    {
        string[] layer = ["attn_norm.weight", "attn_q.weight", "attn_q.bias", "attn_k.weight", "attn_k.bias", "attn_v.weight", "attn_v.bias", "attn_output.weight", "ffn_norm.weight", "ffn_gate.weight", "ffn_up.weight", "ffn_down.weight"];
        string[] names = ["token_embd.weight", .. layer.Select(n => "blk.0." + n), .. layer.Select(n => "blk.1." + n), "output_norm.weight"];
        Assert.Multiple(() =>
        {
            Assert.That(_fp32.Tensors.Select(t => t.Name), Is.EqualTo(names), "tied head: no output.weight");
            Assert.That(_q4.Tensors.Select(t => t.Name), Is.EqualTo(names.Append("output.weight")));
            Assert.That(_fp32.Tensor("token_embd.weight").Dims, Is.EqualTo(new ulong[] { 64, 151936 }));
            Assert.That(_fp32.Tensor("blk.1.attn_k.weight").Dims, Is.EqualTo(new ulong[] { 64, 32 }));
            Assert.That(_fp32.Tensor("blk.1.attn_k.bias").Dims, Is.EqualTo(new ulong[] { 32 }));
            Assert.That(_fp32.Tensor("blk.0.ffn_down.weight").Dims, Is.EqualTo(new ulong[] { 128, 64 }));
            Assert.That(_fp32.Tensors.Select(t => t.Type).Distinct(), Is.EqualTo(new[] { 0u }));
            Assert.That(_q4.Tensor("token_embd.weight").Type, Is.EqualTo(0u), "q4 ONNX gathers a float32 embedding");
            Assert.That(_q4.Tensor("blk.0.attn_q.weight").Type, Is.EqualTo(2u));
            Assert.That(_q4.Tensor("blk.0.attn_q.bias").Type, Is.EqualTo(0u));
            Assert.That(_q4.Tensor("output.weight").Type, Is.EqualTo(2u));

            // 64·151936·4 bytes of embedding; a layer is 148480 bytes in F32 and 21760 in Q4_0 (18-byte blocks of 32).
            Assert.That(_fp32.Tensor("blk.0.attn_norm.weight").Offset, Is.EqualTo(38_895_616UL));
            Assert.That(_fp32.Tensor("blk.0.attn_q.weight").Offset, Is.EqualTo(38_895_872UL));
            Assert.That(_fp32.Tensor("blk.1.attn_norm.weight").Offset, Is.EqualTo(39_044_096UL));
            Assert.That(_fp32.Tensor("output_norm.weight").Offset, Is.EqualTo(39_192_576UL));
            Assert.That(_q4.Tensor("output_norm.weight").Offset, Is.EqualTo(38_939_136UL));
            Assert.That(_q4.Tensor("output.weight").Offset, Is.EqualTo(38_939_392UL));
            Assert.That(_fp32.DataStart % 32, Is.Zero);
            Assert.That(_fp32.Bytes, Has.Length.EqualTo(_fp32.DataStart + 39_192_576 + 256));
            Assert.That(_q4.Bytes, Has.Length.EqualTo(_q4.DataStart + 38_939_392 + (151936 * 2 * 18)));
        });
    }

    [Test]
    public void F32BytesAreTheSyntheticValues()
    {
        Assert.Multiple(() =>
        {
            // Row 151935 (the last token), column 63 of the [vocab, hidden] embedding.
            Assert.That(F32(_fp32, "token_embd.weight", (151935 * 64) + 63), Is.EqualTo(Value("embed_tokens", (151935 * 64) + 63)));

            // PyTorch [out, in] rows: output feature 5, input feature 7 of layer 1's k projection.
            Assert.That(F32(_fp32, "blk.1.attn_k.weight", (5 * 64) + 7), Is.EqualTo(Value("layers.1.k", (5 * 64) + 7)));
            Assert.That(F32(_fp32, "blk.0.ffn_down.weight", (63 * 128) + 127), Is.EqualTo(Value("layers.0.down", (63 * 128) + 127)));
            Assert.That(F32(_fp32, "blk.1.attn_v.bias", 3), Is.EqualTo(Value("layers.1.v.bias", 3)));
            Assert.That(F32(_fp32, "blk.0.ffn_norm.weight", 17), Is.EqualTo(1f));
            Assert.That(F32(_q4, "token_embd.weight", 1000), Is.EqualTo(Value("embed_tokens", 1000)));
        });
    }

    [Test]
    public void Q40BlocksDecodeToTheMatMulNBitsLevelsWithAHalfScale()
    {
        // Block 3 (inputs 96..127) of output row 10 of blk.1.ffn_down.weight ([128 in, 64 out]: 4 blocks per row).
        byte[] block = _q4.Data("blk.1.ffn_down.weight").Slice(((10 * 4) + 3) * 18, 18).ToArray();
        float[] values = [.. Enumerable.Range(0, 32).Select(i => Value("layers.1.down", (10 * 128) + 96 + i))];
        byte[] packed = new byte[16];
        float scale = Int4BlockQuantizer.QuantizeBlock(values, packed);
        float halfScale = (float)BinaryPrimitives.ReadHalfLittleEndian(block);
        Assert.Multiple(() =>
        {
            Assert.That(halfScale, Is.EqualTo((float)(Half)scale));
            for (int j = 0; j < 32; j++)
            {
                int ggmlLevel = j < 16 ? block[2 + j] & 0xF : block[2 + j - 16] >> 4;
                int onnxLevel = (j % 2 == 0) ? packed[j / 2] & 0xF : packed[j / 2] >> 4;
                Assert.That(ggmlLevel, Is.EqualTo(onnxLevel), $"value {j}");
                Assert.That((ggmlLevel - 8) * halfScale, Is.EqualTo((onnxLevel - 8) * scale).Within(MathF.Abs(scale) * 8 / 2048), $"value {j}");
            }
        });
    }

    [Test]
    public void VisionLanguageShapeIsRefused() =>
        Assert.Throws<ArgumentException>(() => SyntheticModelFactory.Write(Path.Combine(_folder, "vl"), Config, visionLanguage: true, SyntheticPrecision.Fp32, SyntheticLayout.Gguf));

    private static float Value(string tensor, long index) => SyntheticRandom.Key(Config.Seed, tensor).At(index);

    private static float F32(GgufFile file, string tensor, int index) => BinaryPrimitives.ReadSingleLittleEndian(file.Data(tensor)[(index * 4)..]);
}
