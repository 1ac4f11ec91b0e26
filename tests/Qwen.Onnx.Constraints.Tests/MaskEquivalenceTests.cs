using System.Numerics;
using System.Text.Unicode;
using Qwen.Onnx.Constraints.Automata;
using Qwen.Onnx.Constraints.Tokens;
using Qwen.Onnx.Testing;
using Qwen.Onnx.Tokenization;

namespace Qwen.Onnx.Constraints.Tests;

/// <summary>
/// The class-run masks (<see cref="ClassRuns"/>) against the plain walk of the whole token trie, bit for bit, on the
/// states that random walks through the real 151k vocabulary meet, and the plain walk against reading every token's
/// bytes through the automaton one by one (no trie at all). The walks favour tokens that are not whole UTF-8 text
/// (byte-fallback tokens, pieces of characters), so states inside a split character are checked too.
/// </summary>
public sealed class MaskEquivalenceTests
{
    private static readonly Lazy<QwenTokenizer> Tokenizer = new(() => QwenTokenizer.FromFolder(TinyModelFactory.GetOrCreateTextModel()));

    private static readonly Lazy<Vocabulary> Words = new(() => new Vocabulary(Tokenizer.Value));

    private static readonly Lazy<List<(byte[] Bytes, int Id)>> Entries = new(() => TokenTrie.EntriesOf(Tokenizer.Value));

    private static readonly Lazy<HashSet<int>> Broken = new(() => [.. Entries.Value.Where(e => !Utf8.IsValid(e.Bytes)).Select(e => e.Id)]);

    private static IEnumerable<TestCaseData> Formats()
    {
        // Only the receipt (the first) has free strings; the others' strings are patterns, formats and constants.
        foreach ((string schema, int i) in Schemas.All.Select((s, i) => (s, i)))
        {
            yield return new TestCaseData(ResponseFormat.JsonSchema(schema), i == 0).SetArgDisplayNames($"schema {i}");
        }

        yield return Case("string", ResponseFormat.JsonSchema("""{"type":"string"}"""));
        yield return Case("string max 24", ResponseFormat.JsonSchema("""{"type":"string","maxLength":24}"""));
        yield return Case("string 2 to 40", ResponseFormat.JsonSchema("""{"type":"string","minLength":2,"maxLength":40}"""));
        yield return Case("short strings", ResponseFormat.JsonSchema("""{"type":"array","maxItems":4,"items":{"type":"string","maxLength":3}}"""));
        yield return new TestCaseData(ResponseFormat.JsonSchema("""{"enum":["naïve","日本語","😀x",7]}"""), false).SetArgDisplayNames("enum");
        yield return new TestCaseData(ResponseFormat.JsonSchema("""{"type":"string","pattern":"^[a-zé]{1,30}$"}"""), false).SetArgDisplayNames("pattern");
        yield return Case("e-mail", ResponseFormat.JsonSchema("""{"type":"string","format":"email"}"""));
        yield return Case("letters and digits", ResponseFormat.JsonSchema("""{"type":"string","pattern":"^[A-Za-z0-9]{4,20}$"}"""));
        yield return Case("letters", ResponseFormat.Regex("[a-zA-Z]{2,30}"));
        yield return Case("any object", ResponseFormat.JsonObject);
        yield return Case("regex", ResponseFormat.Regex("(ab|c)[^<]*<end>"));
        yield return Case("text or tool call", ResponseFormat.TextOrToolCall(AutoToolOutput.Tools));
        yield return Case("tool call", ResponseFormat.ToolCall(AutoToolOutput.Tools));

        static TestCaseData Case(string name, ResponseFormat format) => new TestCaseData(format, true).SetArgDisplayNames(name);
    }

    [TestCaseSource(nameof(Formats))]
    public void Class_run_masks_equal_the_plain_trie_walk(ResponseFormat format, bool hasLargeClassMasks)
    {
        var dfa = new LazyDfa(Nfa.Build(ConstraintCompiler.ToLanguage(format)));
        ClassRuns[] runs = [.. Words.Value.Classes.Select(c => new ClassRuns(dfa, c))];
        var random = new Random(17);
        int byClass = 0, largest = 0, states = 0;
        for (int walk = 0; walk < 6; walk++)
        {
            int state = dfa.Start;
            for (int step = 0; step < 40 && state != LazyDfa.Dead; step++, states++)
            {
                ulong[] plain = Bits();
                Words.Value.Trie.Walk(dfa, state, plain);
                foreach (ClassRuns run in runs)
                {
                    ulong[] fast = Bits();
                    if (run.TryMask(state, fast))
                    {
                        Assert.That(fast, Is.EqualTo(plain), $"state {state} after {step} tokens");
                        (byClass, largest) = (byClass + 1, Math.Max(largest, Count(fast)));
                    }
                }

                if (states % 8 == 0)
                {
                    Assert.That(plain, Is.EqualTo(TokenByToken(dfa, state)), $"the trie walk, state {state}");
                }

                int[] allowed = [.. Ids(plain)];
                if (allowed.Length == 0)
                {
                    break;
                }

                int[] broken = [.. allowed.Where(Broken.Value.Contains)];
                int token = broken.Length > 0 && random.Next(3) == 0 ? broken[random.Next(broken.Length)] : allowed[random.Next(allowed.Length)];
                foreach (byte b in Tokenizer.Value.GetTokenBytes(token))
                {
                    state = dfa.Next(state, b);
                }
            }
        }

        Assert.That(largest > 10_000, Is.EqualTo(hasLargeClassMasks), $"largest class-path mask {largest} tokens ({byClass} of {states} states)");
    }

    private static ulong[] Bits() => new ulong[(Tokenizer.Value.VocabularySize + 63) >> 6];

    private static ulong[] TokenByToken(LazyDfa dfa, int state)
    {
        ulong[] bits = Bits();
        foreach ((byte[] bytes, int id) in Entries.Value)
        {
            int at = state;
            for (int i = 0; i < bytes.Length && at != LazyDfa.Dead; i++)
            {
                at = dfa.Next(at, bytes[i]);
            }

            if (at != LazyDfa.Dead)
            {
                bits[id >> 6] |= 1UL << (id & 63);
            }
        }

        return bits;
    }

    private static IEnumerable<int> Ids(ulong[] bits)
    {
        for (int w = 0; w < bits.Length; w++)
        {
            for (ulong word = bits[w]; word != 0; word &= word - 1)
            {
                yield return (w << 6) + BitOperations.TrailingZeroCount(word);
            }
        }
    }

    private static int Count(ulong[] bits) => bits.Sum(w => BitOperations.PopCount(w));
}
