using System.Text;
using System.Text.Json;
using Qwen.Onnx.Constraints.Automata;

namespace Qwen.Onnx.Constraints.Tests;

/// <summary>
/// The byte automaton on hand-written texts: what JSON (RFC 8259), the schema and the bounds allow or forbid. Every
/// text expected to be accepted is also checked by JsonSchema.Net, so the expectations do not rest on this code.
/// </summary>
public sealed class RecogniserTests
{
    private const string AnyObject = "{\"type\":\"object\",\"additionalProperties\":true}";

    [TestCase("{}", true)]
    [TestCase("{\"a\":1}", true)]
    [TestCase("{\"a\":[1,2,{\"b\":null}],\"c\":true}", true)]
    [TestCase("{ }", false)]
    [TestCase("{\"a\": 1}", false)]
    [TestCase("{\"a\":1}\n", false)]
    [TestCase("[1]", false)]
    [TestCase("{\"a\":01}", false)]
    [TestCase("{\"a\":-0}", true)]
    [TestCase("{\"a\":1.}", false)]
    [TestCase("{\"a\":1e99}", true)]
    [TestCase("{\"a\":1e100}", false)]
    [TestCase("{\"a\":1234567890123456}", true)]
    [TestCase("{\"a\":12345678901234567}", false)]
    [TestCase("{\"a\":0.1234567890123456}", true)]
    [TestCase("{\"a\":0.12345678901234567}", false)]
    public void Any_json_object_is_compact_and_bounded(string text, bool accepted) => Check(ResponseFormat.JsonObject, text, accepted, AnyObject);

    [TestCase("{\"s\":\"é😀\"}", true)]
    [TestCase("{\"s\":\"\\u00e9\"}", true)]
    [TestCase("{\"s\":\"\\ud83d\\ude00\"}", true)]
    [TestCase("{\"s\":\"\\uD83D\\uDE00\"}", true)]
    [TestCase("{\"s\":\"\\ud83d\"}", false)]
    [TestCase("{\"s\":\"\\ude00\"}", false)]
    [TestCase("{\"s\":\"\\ud83dx\"}", false)]
    [TestCase("{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}", true)]
    [TestCase("{\"s\":\"\\x\"}", false)]
    [TestCase("{\"s\":\"\\u12\"}", false)]
    [TestCase("{\"s\":\"a\nb\"}", false)]
    [TestCase("{\"s\":\"tab\there\"}", false)]
    public void Strings_take_escapes_and_surrogate_pairs_but_not_raw_control_characters(string text, bool accepted) => Check(ResponseFormat.JsonObject, text, accepted, AnyObject);

    [Test]
    public void Invalid_utf8_and_overlong_encodings_are_rejected()
    {
        LazyDfa dfa = Automaton(ResponseFormat.JsonObject);
        byte[] prefix = Encoding.UTF8.GetBytes("{\"s\":\"");
        Assert.Multiple(() =>
        {
            Assert.That(Walk(dfa, [.. prefix, 0xC0, 0xAF]), Is.EqualTo(LazyDfa.Dead), "overlong '/'");
            Assert.That(Walk(dfa, [.. prefix, 0xED, 0xA0, 0x80]), Is.EqualTo(LazyDfa.Dead), "an encoded surrogate");
            Assert.That(Walk(dfa, [.. prefix, 0xF4, 0x90, 0x80, 0x80]), Is.EqualTo(LazyDfa.Dead), "above U+10FFFF");
            Assert.That(Walk(dfa, [.. prefix, 0x80]), Is.EqualTo(LazyDfa.Dead), "a lone continuation byte");
            Assert.That(Walk(dfa, [.. prefix, 0xF0, 0x9F]), Is.Not.EqualTo(LazyDfa.Dead), "the first half of an emoji");
        });
    }

    [TestCase("-128", true)]
    [TestCase("-129", false)]
    [TestCase("127", true)]
    [TestCase("128", false)]
    [TestCase("0", true)]
    [TestCase("-0", false)]
    [TestCase("007", false)]
    [TestCase("99", true)]
    [TestCase("-99", true)]
    [TestCase("100", true)]
    [TestCase("1.0", false)]
    public void Integers_stay_inside_their_minimum_and_maximum(string text, bool accepted) =>
        Check(Schema("{\"type\":\"integer\",\"minimum\":-128,\"maximum\":127}"), text, accepted);

    [TestCase("{\"exclusiveMinimum\":3,\"exclusiveMaximum\":7}", "3", false)]
    [TestCase("{\"exclusiveMinimum\":3,\"exclusiveMaximum\":7}", "4", true)]
    [TestCase("{\"exclusiveMinimum\":3,\"exclusiveMaximum\":7}", "6", true)]
    [TestCase("{\"exclusiveMinimum\":3,\"exclusiveMaximum\":7}", "7", false)]
    [TestCase("{\"exclusiveMinimum\":2.5,\"maximum\":4}", "2", false)]
    [TestCase("{\"exclusiveMinimum\":2.5,\"maximum\":4}", "3", true)]
    [TestCase("{\"exclusiveMinimum\":-1.0,\"exclusiveMaximum\":1.0}", "0", true)]
    [TestCase("{\"exclusiveMinimum\":-1.0,\"exclusiveMaximum\":1.0}", "1", false)]
    [TestCase("{\"minimum\":5,\"exclusiveMinimum\":5,\"maximum\":6}", "5", false)]
    [TestCase("{\"minimum\":5,\"exclusiveMinimum\":5,\"maximum\":6}", "6", true)]
    [TestCase("{\"exclusiveMaximum\":-9223372036854775807}", "-9223372036854775808", true)]
    [TestCase("{\"exclusiveMaximum\":-9223372036854775807}", "-9223372036854775807", false)]
    public void Exclusive_bounds_move_one_integer_inwards(string bounds, string text, bool accepted)
    {
        string schema = $"{{\"type\":\"integer\",{bounds[1..]}";
        Check(Schema(schema), text, accepted);
        Assert.That(IndependentValidator.Problems(schema, text) is null, Is.EqualTo(accepted), "JsonSchema.Net agrees");
    }

    [Test]
    public void An_exclusive_bound_no_integer_passes_admits_no_value() =>
        Assert.That(() => ConstraintCompiler.ToLanguage(Schema("{\"type\":\"integer\",\"exclusiveMinimum\":9223372036854775807}")), Throws.TypeOf<ArgumentException>().With.Message.Contains("admits no value"));

    [Test]
    public void A_bound_that_is_not_a_number_says_which() =>
        Assert.That(() => ConstraintCompiler.ToLanguage(Schema("{\"type\":\"integer\",\"maximum\":\"9\"}")), Throws.TypeOf<ArgumentException>().With.Message.Contains("'#/maximum' must be a number"));

    [Test]
    public void Draft_4_boolean_exclusive_bounds_name_the_keyword() =>
        Assert.That(() => ConstraintCompiler.ToLanguage(Schema("{\"type\":\"integer\",\"minimum\":1,\"exclusiveMinimum\":true}")), Throws.TypeOf<NotSupportedException>().With.Message.Contains("'exclusiveMinimum' at '#/exclusiveMinimum'"));

    [TestCase("2147483647", true)]
    [TestCase("2147483648", false)]
    [TestCase("-2147483648", true)]
    [TestCase("-2147483649", false)]
    [TestCase("10000000000", false)]
    public void An_unbounded_integer_fits_an_int(string text, bool accepted) => Check(Schema("{\"type\":\"integer\"}"), text, accepted);

    [TestCase("9223372036854775807", true)]
    [TestCase("9223372036854775808", false)]
    [TestCase("-9223372036854775808", true)]
    [TestCase("-9223372036854775809", false)]
    public void Integer_bounds_reach_those_of_a_long(string text, bool accepted) =>
        Check(Schema("{\"type\":\"integer\",\"minimum\":-9223372036854775808,\"maximum\":9223372036854775807}"), text, accepted);

    [TestCase("\"ab\"", true)]
    [TestCase("\"a\"", false)]
    [TestCase("\"abcd\"", false)]
    [TestCase("\"😀😀😀\"", true)]
    [TestCase("\"\\ud83d\\ude00xy\"", true)]
    [TestCase("\"\\\"\\\\\"", true)]
    public void Length_counts_code_points_and_escapes_as_one(string text, bool accepted) =>
        Check(Schema("{\"type\":\"string\",\"minLength\":2,\"maxLength\":3}"), text, accepted);

    [TestCase("\"ab1\"", true)]
    [TestCase("\"ab\"", false)]
    [TestCase("\"Ab1\"", false)]
    [TestCase("\"ab12\"", false)]
    public void Patterns_match_the_whole_string(string text, bool accepted) =>
        Check(Schema("{\"type\":\"string\",\"pattern\":\"^[a-z]{2}\\\\d$\"}"), text, accepted);

    [TestCase("^[A-Z]+$", 0, 3, "\"ABC\"", true)]
    [TestCase("^[A-Z]+$", 0, 3, "\"ABCD\"", false)]
    [TestCase("^[a-z]{2}[0-9]*$", 4, 5, "\"ab1\"", false)]
    [TestCase("^[a-z]{2}[0-9]*$", 4, 5, "\"ab12\"", true)]
    [TestCase("^[a-z]{2}[0-9]*$", 4, 5, "\"ab123\"", true)]
    [TestCase("^[a-z]{2}[0-9]*$", 4, 5, "\"ab1234\"", false)]
    [TestCase("^(abc|de|f+)$", 0, 2, "\"abc\"", false)]
    [TestCase("^(abc|de|f+)$", 0, 2, "\"de\"", true)]
    [TestCase("^(abc|de|f+)$", 0, 2, "\"ff\"", true)]
    [TestCase("^(abc|de|f+)$", 0, 2, "\"fff\"", false)]
    [TestCase("^(ab)*$", 1, 5, "\"\"", false)]
    [TestCase("^(ab)*$", 1, 5, "\"abab\"", true)]
    [TestCase("^(ab)*$", 1, 5, "\"ababab\"", false)]
    [TestCase("^x(é|ü)+$", 0, 3, "\"xéü\"", true)]
    [TestCase("^x(é|ü)+$", 0, 3, "\"xéüé\"", false)]
    [TestCase("^[a-z]{3}$", 0, 10, "\"abc\"", true)]
    [TestCase("^[A-Z]+[0-9]?$", 2, 4, "\"A\"", false)]
    [TestCase("^[A-Z]+[0-9]?$", 2, 4, "\"A1\"", true)]
    [TestCase("^[A-Z]+[0-9]?$", 2, 4, "\"ABC1\"", true)]
    [TestCase("^[A-Z]+[0-9]?$", 2, 4, "\"ABCD1\"", false)]
    [TestCase("^[A-Z]+[0-9]?$", 2, 4, "\"ABCDE\"", false)]
    [TestCase("^[a-z]+-[a-z]+$", 0, 5, "\"ab-cd\"", true)]
    [TestCase("^[a-z]+-[a-z]+$", 0, 5, "\"ab-cde\"", false)]
    [TestCase("^(é|日本)+$", 0, 3, "\"日本é\"", true)]
    [TestCase("^(é|日本)+$", 0, 3, "\"ééé\"", true)]
    [TestCase("^(é|日本)+$", 0, 3, "\"日本日本\"", false)]
    [TestCase("^(é|日本)+$", 0, 3, "\"éééé\"", false)]
    public void Lengths_bound_patterns_exactly(string pattern, int minLength, int maxLength, string text, bool accepted)
    {
        string schema = JsonSerializer.Serialize(new { type = "string", pattern, minLength, maxLength });
        Check(Schema(schema), text, accepted);
        Assert.That(IndependentValidator.Problems(schema, text) is null, Is.EqualTo(accepted), "JsonSchema.Net agrees");
    }

    [TestCase("email", "\"ann.lee@example.org\"")]
    [TestCase("uuid", "\"123e4567-e89b-12d3-a456-426614174000\"")]
    [TestCase("date", "\"2024-03-31\"")]
    public void Lengths_a_format_already_implies_are_accepted(string format, string text) =>
        Check(Schema($"{{\"type\":\"string\",\"format\":\"{format}\",\"minLength\":1,\"maxLength\":254}}"), text, accepted: true);

    [Test]
    public void A_length_that_cannot_bound_a_pattern_exactly_names_the_keyword() =>
        Assert.That(
            () => ConstraintCompiler.ToLanguage(Schema("{\"type\":\"string\",\"format\":\"email\",\"maxLength\":40}")),
            Throws.TypeOf<NotSupportedException>().With.Message.Contains("'maxLength' at '#/maxLength'"));

    [Test]
    public void A_length_no_pattern_match_can_have_admits_no_value() =>
        Assert.That(
            () => ConstraintCompiler.ToLanguage(Schema("{\"type\":\"string\",\"pattern\":\"^[a-z]{3}$\",\"maxLength\":2}")),
            Throws.TypeOf<ArgumentException>().With.Message.Contains("admits no value"));

    [TestCase("\"say \\\"hi\\\"\"", true)]
    [TestCase("\"say \"hi\"\"", false)]
    public void Pattern_characters_that_json_must_escape_are_escaped(string text, bool accepted) =>
        Check(Schema("{\"type\":\"string\",\"pattern\":\"say \\\"[a-z]+\\\"\"}"), text, accepted);

    [TestCase("{\"a\":1,\"c\":\"x\"}", true)]
    [TestCase("{\"a\":1,\"b\":true,\"c\":\"x\"}", true)]
    [TestCase("{\"a\":1,\"c\":\"x\",\"d\":null}", true)]
    [TestCase("{\"c\":\"x\",\"a\":1}", false)]
    [TestCase("{\"a\":1}", false)]
    [TestCase("{\"a\":1,,\"c\":\"x\"}", false)]
    [TestCase("{\"a\":1,\"c\":\"x\",}", false)]
    [TestCase("{\"a\":1,\"c\":\"x\",\"e\":2}", false)]
    public void Properties_come_in_schema_order_and_optional_ones_may_be_left_out(string text, bool accepted) => Check(
        Schema("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},\"b\":{\"type\":\"boolean\"},\"c\":{\"type\":\"string\"},\"d\":{\"type\":\"null\"}},\"required\":[\"a\",\"c\"],\"additionalProperties\":false}"),
        text,
        accepted);

    [TestCase("[]", false)]
    [TestCase("[\"x\"]", true)]
    [TestCase("[\"x\",1]", true)]
    [TestCase("[\"x\",1,2,3]", true)]
    [TestCase("[\"x\",1,2,3,4]", false)]
    [TestCase("[1]", false)]
    [TestCase("[\"x\",\"y\"]", false)]
    public void Arrays_follow_prefix_items_items_and_their_count(string text, bool accepted) => Check(
        Schema("{\"type\":\"array\",\"prefixItems\":[{\"type\":\"string\",\"maxLength\":3}],\"items\":{\"type\":\"integer\"},\"minItems\":1,\"maxItems\":4}"),
        text,
        accepted);

    [TestCase("{\"v\":1,\"next\":{\"v\":2,\"next\":null}}", true)]
    [TestCase("{\"v\":1,\"next\":{\"v\":2}}", false)]
    [TestCase("{\"v\":1,\"next\":{\"v\":\"2\",\"next\":null}}", false)]
    public void Recursive_references_unroll(string text, bool accepted) => Check(
        Schema("{\"$ref\":\"#/$defs/node\",\"$defs\":{\"node\":{\"type\":\"object\",\"properties\":{\"v\":{\"type\":\"integer\"},\"next\":{\"anyOf\":[{\"$ref\":\"#/$defs/node\"},{\"type\":\"null\"}]}},\"required\":[\"v\",\"next\"]}}}"),
        text,
        accepted);

    [TestCase("\"red\"", true)]
    [TestCase("3", true)]
    [TestCase("null", true)]
    [TestCase("\"blue\"", false)]
    [TestCase("[1,\"a\"]", true)]
    public void Enums_constants_type_arrays_and_any_of(string text, bool accepted) => Check(
        Schema("{\"anyOf\":[{\"enum\":[\"red\",3]},{\"type\":[\"null\",\"boolean\"]},{\"const\":[1,\"a\"]}]}"),
        text,
        accepted);

    [TestCase("date", "\"2024-02-28\"", true)]
    [TestCase("date", "\"2024-13-01\"", false)]
    [TestCase("date", "\"2024-04-31\"", false)]
    [TestCase("time", "\"23:59:59Z\"", true)]
    [TestCase("time", "\"24:00:00Z\"", false)]
    [TestCase("date-time", "\"2024-01-31T08:30:00.5+02:00\"", true)]
    [TestCase("date-time", "\"2024-01-31 08:30:00Z\"", false)]
    [TestCase("uuid", "\"123e4567-e89b-12d3-a456-426614174000\"", true)]
    [TestCase("uuid", "\"123e4567e89b12d3a456426614174000\"", false)]
    [TestCase("email", "\"ann.lee@example.com\"", true)]
    [TestCase("email", "\"ann@@example.com\"", false)]
    public void Formats_accept_only_valid_values(string format, string text, bool accepted) =>
        Check(Schema($"{{\"type\":\"string\",\"format\":\"{format}\"}}"), text, accepted);

    [TestCase("(Hello|world)+", "HelloworldHello", true)]
    [TestCase("(Hello|world)+", "Hello world", false)]
    [TestCase("[0-9]{3}-[A-Z]{2}", "123-AB", true)]
    [TestCase("[0-9]{3}-[A-Z]{2}", "123-ABC", false)]
    [TestCase("[^a-c]x?", "dx", true)]
    [TestCase("[^a-c]x?", "bx", false)]
    [TestCase("\\w+@\\d\\.", "a_b@7.", true)]
    [TestCase("héllo.", "héllo!", true)]
    [TestCase("héllo.", "hello!", false)]
    public void Regular_expressions_match_the_whole_text(string pattern, string text, bool accepted)
    {
        LazyDfa dfa = Automaton(ResponseFormat.Regex(pattern));
        int end = Walk(dfa, Encoding.UTF8.GetBytes(text));
        Assert.That(end != LazyDfa.Dead && dfa.IsAccepting(end), Is.EqualTo(accepted));
        Assert.That(System.Text.RegularExpressions.Regex.IsMatch(text, $"^(?:{pattern})$"), Is.EqualTo(accepted), "the .NET regex engine agrees");
    }

    private static ResponseFormat Schema(string schema) => ResponseFormat.JsonSchema(schema);

    private static void Check(ResponseFormat format, string text, bool accepted, string? validatingSchema = null)
    {
        LazyDfa dfa = Automaton(format);
        int end = Walk(dfa, Encoding.UTF8.GetBytes(text));
        Assert.That(end != LazyDfa.Dead && dfa.IsAccepting(end), Is.EqualTo(accepted), text);
        if (accepted)
        {
            string schema = validatingSchema ?? ((JsonSchemaResponseFormat)format).Schema;
            Assert.That(IndependentValidator.Problems(schema, text), Is.Null, "JsonSchema.Net agrees");
        }
    }

    private static LazyDfa Automaton(ResponseFormat format) => new(Nfa.Build(ConstraintCompiler.ToLanguage(format)));

    private static int Walk(LazyDfa dfa, byte[] bytes)
    {
        int state = dfa.Start;
        foreach (byte b in bytes)
        {
            state = dfa.Next(state, b);
            if (state == LazyDfa.Dead)
            {
                return state;
            }
        }

        return state;
    }
}
