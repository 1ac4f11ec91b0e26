using System.Text;
using Qwen.Onnx.Testing;
using Qwen.Onnx.Tokenization;

namespace Qwen.Onnx.Constraints.Tests;

/// <summary>
/// The constraint over the real 151k-token Qwen vocabulary: characters split across byte tokens, forced tokens, the
/// end of turn, and random walks (a uniformly random allowed token at every step) whose finished outputs JsonSchema.Net
/// must accept.
/// </summary>
public sealed class TokenLevelTests
{
    // The tiny text model carries the real Qwen tokenizer files.
    private static readonly Lazy<QwenTokenizer> Tokenizer = new(() => QwenTokenizer.FromFolder(TinyModelFactory.GetOrCreateTextModel()));

    private static readonly Lazy<ConstraintCompiler> Compiler = new(() => new ConstraintCompiler(Tokenizer.Value));

    private static int EndOfTurn => Tokenizer.Value.EndOfTurnTokenIds[0];

    [Test]
    public void An_emoji_split_into_four_byte_tokens_is_accepted_byte_by_byte()
    {
        TokenConstraint constraint = Compiler.Value.Create(ResponseFormat.JsonSchema("""{"type":"string","maxLength":1}"""))!;
        int[] tokens = [.. Tokenizer.Value.Encode("\""), .. Encoding.UTF8.GetBytes("😀").Select(ByteToken), .. Tokenizer.Value.Encode("\"")];
        foreach (int token in tokens)
        {
            Assert.That(Allowed(constraint, token), Is.True, $"token {token}");
            constraint.Accept(token);
        }

        Assert.That(constraint.IsComplete, Is.True);
        Assert.That(constraint.Mask(Logits()), Is.EqualTo(EndOfTurn), "a complete string of maximum length forces the end of turn");
    }

    [Test]
    public void A_continuation_byte_cannot_start_a_character_and_a_second_character_is_over_the_length()
    {
        TokenConstraint constraint = Compiler.Value.Create(ResponseFormat.JsonSchema("""{"type":"string","maxLength":1}"""))!;
        constraint.Accept(Tokenizer.Value.Encode("\"")[0]);
        Assert.That(Allowed(constraint, ByteToken(0x80)), Is.False);
        constraint.Accept(ByteToken((byte)'a'));
        Assert.That(Allowed(constraint, ByteToken((byte)'b')), Is.False);
        Assert.That(Allowed(constraint, EndOfTurn), Is.False, "no end of turn inside the string");
        Assert.Throws<InvalidOperationException>(() => constraint.Accept(ByteToken((byte)'b')));
    }

    [Test]
    public void A_single_possible_token_is_forced()
    {
        TokenConstraint constraint = Compiler.Value.Create(ResponseFormat.Regex("[0-9]{3}"))!;
        foreach (char digit in "12")
        {
            constraint.Accept(ByteToken((byte)digit));
        }

        Assert.That(constraint.Mask(Logits()), Is.EqualTo(-1), "ten digits remain");
        constraint.Accept(ByteToken((byte)'3'));
        Assert.That(constraint.Mask(Logits()), Is.EqualTo(EndOfTurn));
    }

    [TestCaseSource(typeof(Schemas), nameof(Schemas.All))]
    public void Random_walks_that_finish_validate(string schema)
    {
        var random = new Random(schema.Length);
        float[] logits = new float[Tokenizer.Value.VocabularySize];
        int finished = 0;
        for (int walk = 0; walk < 8; walk++)
        {
            TokenConstraint constraint = Compiler.Value.Create(ResponseFormat.JsonSchema(schema))!;
            var tokens = new List<int>();
            for (int step = 0; step < 400; step++)
            {
                Array.Fill(logits, 0f);
                int token = constraint.Mask(logits);
                if (token < 0)
                {
                    int[] allowed = [.. Enumerable.Range(0, logits.Length).Where(i => logits[i] == 0f)];
                    token = allowed[random.Next(allowed.Length)];
                }

                constraint.Accept(token);
                if (token == EndOfTurn)
                {
                    finished++;
                    string text = Tokenizer.Value.Decode([.. tokens]);
                    Assert.That(IndependentValidator.Problems(schema, text), Is.Null, text);
                    break;
                }

                tokens.Add(token);
            }
        }

        Assert.That(finished, Is.GreaterThan(0));
    }

    private static float[] Logits() => new float[Tokenizer.Value.VocabularySize];

    private static bool Allowed(TokenConstraint constraint, int token)
    {
        float[] logits = Logits();
        int forced = constraint.Mask(logits);
        return forced >= 0 ? forced == token : !float.IsNegativeInfinity(logits[token]);
    }

    /// <summary>The vocabulary entry that is exactly one byte (byte-level BPE has one for each of the 256).</summary>
    private static int ByteToken(byte value)
    {
        for (int id = 0; id < Tokenizer.Value.VocabularySize; id++)
        {
            if (Tokenizer.Value.GetTokenBytes(id) is [var b] && b == value && !Tokenizer.Value.IsSpecial(id))
            {
                return id;
            }
        }

        throw new InvalidOperationException($"No token for byte {value}.");
    }
}
