using System.Text;
using Qwen.Onnx.Constraints.Automata;
using Qwen.Onnx.Testing;
using Qwen.Onnx.Tokenization;

namespace Qwen.Onnx.Constraints.Tests;

/// <summary>
/// The auto tool mode (<see cref="ResponseFormat.TextOrToolCall"/>): the byte automaton on hand-written and random
/// texts, the token constraint over the real Qwen vocabulary, and both text engines on random-weight tiny models.
/// Every verdict is checked against <see cref="AutoToolOutput"/> (a .NET regex, System.Text.Json and JsonSchema.Net).
/// </summary>
[Parallelizable(ParallelScope.None)]
public sealed class AutoToolModeTests
{
    private const string Weather = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\":\"Paris\",\"unit\":\"celsius\"}}\n</tool_call>";
    private const string Alarm = "<tool_call>\n{\"name\": \"set_alarm\", \"arguments\": {\"hour\":7}}\n</tool_call>";

    private static readonly Lazy<QwenTokenizer> Tokenizer = new(() => QwenTokenizer.FromFolder(TinyModelFactory.GetOrCreateTextModel()));

    private static readonly Lazy<ConstraintCompiler> Compiler = new(() => new ConstraintCompiler(Tokenizer.Value));

    private static ResponseFormat Format { get; } = ResponseFormat.TextOrToolCall(AutoToolOutput.Tools);

    [TestCase("", true)]
    [TestCase("The weather is fine.\nNo call needed: <b>bold</b> <tool_call <tool_cal>", true)]
    [TestCase("ends with a partial marker <tool_call", true)]
    [TestCase(Weather, true)]
    [TestCase("Let me check.\n" + Weather, true)]
    [TestCase(Weather + "\n" + Alarm, true)]
    [TestCase("<tool_call>\n{bad json", false)]
    [TestCase("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\":\"Paris\"}}\n</tool_call>", false)]
    [TestCase("<tool_call>\n{\"name\": \"delete_all\", \"arguments\": {}}\n</tool_call>", false)]
    [TestCase("text <tool_call> more text", false)]
    [TestCase(Weather + " and then some text", false)]
    [TestCase(Weather + Alarm, false)]
    public void The_automaton_takes_text_or_valid_calls(string text, bool accepted)
    {
        Assert.That(Accepts(text), Is.EqualTo(accepted), text);
        Assert.That(AutoToolOutput.Problems(text) is null, Is.EqualTo(accepted), "the independent judge agrees");
    }

    [Test]
    public void A_tool_outside_the_schema_subset_still_gets_well_formed_calls_in_auto_mode()
    {
        QwenTool[] tools = [new QwenTool("count", null, System.Text.Json.JsonDocument.Parse("""{"type":"object","properties":{"n":{"type":"integer","multipleOf":3}}}""").RootElement)];
        ResponseFormat auto = ResponseFormat.TextOrToolCall(tools);
        Assert.Multiple(() =>
        {
            Assert.That(Accepts(auto, "<tool_call>\n{\"name\": \"count\", \"arguments\": {\"n\":4}}\n</tool_call>"), Is.True, "any object");
            Assert.That(Accepts(auto, "<tool_call>\n{\"name\": \"count\", \"arguments\": [4]}\n</tool_call>"), Is.False, "not an object");
            Assert.That(Accepts(auto, "<tool_call>\n{\"name\": \"count\", \"arguments\": {\"n\":4}\n</tool_call>"), Is.False, "unbalanced");
            Assert.Throws<NotSupportedException>(() => ConstraintCompiler.Validate(ResponseFormat.ToolCall(tools)), "the required mode still refuses it");
        });
    }

    [Test]
    public void Random_text_is_accepted_exactly_when_it_has_no_marker()
    {
        // No '{' in the alphabet, so no text here can continue into a call: acceptance must be "no marker".
        const string Alphabet = "<tool_call>\n x<<";
        var random = new Random(5);
        int withMarker = 0;
        for (int i = 0; i < 4000; i++)
        {
            string text = MarkerHeavy(random, Alphabet);
            bool hasMarker = text.Contains("<tool_call>", StringComparison.Ordinal);
            withMarker += hasMarker ? 1 : 0;
            Assert.That(Accepts(text), Is.EqualTo(!hasMarker), text);
        }

        Assert.That(withMarker, Is.GreaterThan(100), "the sample exercises the marker");
    }

    [Test]
    public void Text_may_end_the_turn_but_a_spelled_out_marker_commits_to_a_call()
    {
        TokenConstraint constraint = Compiler.Value.Create(Format)!;
        foreach (int token in Tokenizer.Value.Encode("Sure, <tool"))
        {
            constraint.Accept(token);
        }

        Assert.That(constraint.IsComplete, Is.True);
        Assert.That(Allowed(constraint, EndOfTurn), Is.True);
        foreach (int token in Tokenizer.Value.Encode("_call>"))
        {
            constraint.Accept(token);
        }

        Assert.That(constraint.IsComplete, Is.False);
        Assert.That(Allowed(constraint, EndOfTurn), Is.False, "an opened call must be finished");
        Assert.That(Allowed(constraint, Tokenizer.Value.Encode(" more").Single()), Is.False, "no text after the marker");
        Assert.That(Allowed(constraint, Tokenizer.Value.Encode("\n").Single()), Is.True, "the markup's newline");
    }

    [TestCase("genai")]
    [TestCase("onnx-text")]
    [TestCase("qwen2.5-vl-image")]
    public async Task Every_tool_capable_engine_answers_text_or_valid_calls(string layout)
    {
        QwenChatMessage question = ToolLayouts.AsksAboutAnImage(layout)
            ? QwenChatMessage.User(ImagePart.FromFile(ToolLayouts.ImagePath), "Do something.")
            : QwenChatMessage.User("Do something.");
        await using QwenModel model = await QwenModel.LoadAsync(ToolLayouts.Folder(layout));
        foreach (float temperature in new[] { 0.7f, 1f, 1.5f })
        {
            foreach (int seed in new[] { 1, 2, 3 })
            {
                var options = new GenerationOptions { MaxNewTokens = 100, Temperature = temperature, Seed = seed, ResponseFormat = Format };
                QwenChatResponse response = await model.GenerateAsync(new QwenChatRequest([question], options) { Tools = AutoToolOutput.Tools });
                string? problems = AutoToolOutput.Problems(response.Text);
                Assert.That(response.Constrained, Is.True);
                if (response.FinishReason == FinishReason.Stop)
                {
                    Assert.That(problems, Is.Null, $"{layout} t={temperature} seed={seed}: {response.Text}");
                }
                else if (problems is not null)
                {
                    // Cut by the budget inside a call (plain text is complete as it stands, but for a split character).
                    Assert.That(response.Incomplete, Is.True, response.Text);
                }
            }
        }
    }

    [Test]
    public void Random_walks_through_the_marker_token_end_in_valid_calls()
    {
        int open = Tokenizer.Value.Encode("<tool_call>").Single();
        var random = new Random(11);
        int finished = 0;
        for (int walk = 0; walk < 6; walk++)
        {
            TokenConstraint constraint = Compiler.Value.Create(Format)!;
            var tokens = new List<int>();
            for (int step = 0; step < 300; step++)
            {
                // Some free text, then the marker token (which the mask must allow), then whatever the mask leaves.
                int token = step == walk ? open : RandomAllowed(constraint, random);
                Assert.That(Allowed(constraint, token), Is.True, $"step {step}");
                constraint.Accept(token);
                if (token == EndOfTurn)
                {
                    finished++;
                    string text = Tokenizer.Value.Decode([.. tokens]);
                    Assert.That(text, Does.Contain("<tool_call>"));
                    Assert.That(AutoToolOutput.Problems(text), Is.Null, text);
                    break;
                }

                tokens.Add(token);
            }
        }

        Assert.That(finished, Is.GreaterThan(0));
    }

    private static int EndOfTurn => Tokenizer.Value.EndOfTurnTokenIds[0];

    private static bool Accepts(string text) => Accepts(Format, text);

    private static bool Accepts(ResponseFormat format, string text)
    {
        var dfa = new LazyDfa(Nfa.Build(ConstraintCompiler.ToLanguage(format)));
        int state = dfa.Start;
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            state = dfa.Next(state, b);
            if (state == LazyDfa.Dead)
            {
                return false;
            }
        }

        return dfa.IsAccepting(state);
    }

    /// <summary>Random text over the marker's characters, often with the marker or a near miss spliced in.</summary>
    private static string MarkerHeavy(Random random, string alphabet)
    {
        var text = new StringBuilder();
        int length = random.Next(0, 30);
        while (text.Length < length)
        {
            text.Append(random.Next(4) == 0 ? "<tool_call>"[..random.Next(8, 12)] : alphabet[random.Next(alphabet.Length)].ToString());
        }

        return text.ToString();
    }

    private static float[] Logits() => new float[Tokenizer.Value.VocabularySize];

    private static bool Allowed(TokenConstraint constraint, int token)
    {
        float[] logits = Logits();
        int forced = constraint.Mask(logits);
        return forced >= 0 ? forced == token : !float.IsNegativeInfinity(logits[token]);
    }

    private static int RandomAllowed(TokenConstraint constraint, Random random)
    {
        float[] logits = Logits();
        int forced = constraint.Mask(logits);
        if (forced >= 0)
        {
            return forced;
        }

        int[] allowed = [.. Enumerable.Range(0, logits.Length).Where(i => logits[i] == 0f)];
        return allowed[random.Next(allowed.Length)];
    }
}
