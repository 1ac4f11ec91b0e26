using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Qwen.Onnx.Constraints.Languages;
using Qwen.Onnx.Constraints.Patterns;

namespace Qwen.Onnx.Constraints.Schemas;

/// <summary>
/// Turns a JSON Schema into the language of the compact JSON texts that validate against it. Properties come in
/// schema order and optional ones may be left out; a recursive <c>$ref</c> is unrolled <see cref="RecursionDepth"/>
/// levels deep (deeper values cannot be generated). Every keyword outside the supported subset throws
/// <see cref="NotSupportedException"/> naming the keyword and its JSON pointer, so nothing is silently ignored.
/// </summary>
internal sealed class JsonSchemaCompiler
{
    /// <summary>How many times one <c>$ref</c> may enclose itself.</summary>
    public const int RecursionDepth = 3;

    private static readonly HashSet<string> Annotations = new(StringComparer.Ordinal)
    {
        "$schema", "$id", "$comment", "$defs", "definitions", "title", "description", "default", "examples", "readOnly", "writeOnly", "deprecated",
    };

    private static readonly HashSet<string> Supported = new(StringComparer.Ordinal)
    {
        "type", "properties", "required", "additionalProperties", "items", "prefixItems", "minItems", "maxItems", "enum", "const",
        "anyOf", "oneOf", "$ref", "minLength", "maxLength", "pattern", "format", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum",
    };

    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly JsonElement _root;
    private readonly Dictionary<string, int> _active = new(StringComparer.Ordinal);

    private JsonSchemaCompiler(JsonElement root) => _root = root;

    public static Language Compile(string schema)
    {
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(schema).RootElement;
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"The JSON Schema is not valid JSON: {e.Message}", nameof(schema), e);
        }

        Language language = new JsonSchemaCompiler(root).Value(root, "#");
        return language.IsNothing
            ? throw new ArgumentException("The JSON Schema admits no value that can be generated (contradictory keywords, or a recursion that never ends).", nameof(schema))
            : language;
    }

    private static ArgumentException Malformed(string message) => new(message);

    private static NotSupportedException Unsupported(string keyword, string pointer, string why = "") =>
        new($"JSON Schema keyword '{keyword}' at '{pointer}/{keyword}' is not supported for constrained output{why}.");

    private Language Value(JsonElement schema, string pointer)
    {
        if (schema.ValueKind == JsonValueKind.True)
        {
            return JsonText.AnyValue();
        }

        if (schema.ValueKind == JsonValueKind.False)
        {
            return Language.Nothing;
        }

        if (schema.ValueKind != JsonValueKind.Object)
        {
            throw Malformed($"The JSON Schema at '{pointer}' must be an object or a boolean.");
        }

        var keywords = schema.EnumerateObject().Select(p => p.Name).Where(k => !Annotations.Contains(k)).ToList();
        foreach (string keyword in keywords.Where(k => !Supported.Contains(k)))
        {
            throw Unsupported(keyword, pointer);
        }

        if (schema.TryGetProperty("$ref", out JsonElement reference))
        {
            OnlyKeyword(keywords, "$ref", pointer);
            return Reference(reference.GetString() ?? string.Empty, pointer);
        }

        foreach (string combinator in new[] { "anyOf", "oneOf" })
        {
            if (schema.TryGetProperty(combinator, out JsonElement options))
            {
                // oneOf is compiled as anyOf: exclusivity is left to the schema (its branches should not overlap).
                OnlyKeyword(keywords, combinator, pointer);
                return Language.Choice([.. options.EnumerateArray().Select((o, i) => Value(o, $"{pointer}/{combinator}/{i}"))]);
            }
        }

        if (schema.TryGetProperty("const", out JsonElement constant))
        {
            return Literal(constant);
        }

        if (schema.TryGetProperty("enum", out JsonElement values))
        {
            return Language.Choice([.. values.EnumerateArray().Select(Literal)]);
        }

        string[] types = TypesOf(schema, pointer);
        return types.Length == 0 ? JsonText.AnyValue() : Language.Choice([.. types.Select(t => Typed(t, schema, pointer))]);
    }

    private static void OnlyKeyword(List<string> keywords, string keyword, string pointer)
    {
        foreach (string other in keywords.Where(k => k != keyword))
        {
            throw Unsupported(other, pointer, $" beside '{keyword}' (move it into the referenced or combined schemas)");
        }
    }

    private static string[] TypesOf(JsonElement schema, string pointer)
    {
        if (!schema.TryGetProperty("type", out JsonElement type))
        {
            // Without "type", the keywords that were given tell which kind of value is meant.
            return schema.TryGetProperty("properties", out _) || schema.TryGetProperty("additionalProperties", out _) ? ["object"]
                : schema.TryGetProperty("items", out _) || schema.TryGetProperty("prefixItems", out _) ? ["array"]
                : schema.TryGetProperty("pattern", out _) || schema.TryGetProperty("format", out _) || schema.TryGetProperty("minLength", out _) || schema.TryGetProperty("maxLength", out _) ? ["string"]
                : schema.TryGetProperty("minimum", out _) || schema.TryGetProperty("maximum", out _) ? ["integer"]
                : [];
        }

        return type.ValueKind == JsonValueKind.Array
            ? [.. type.EnumerateArray().Select(t => t.GetString() ?? throw Malformed($"'{pointer}/type' lists a non-string."))]
            : [type.GetString() ?? throw Malformed($"'{pointer}/type' must be a string or an array of strings.")];
    }

    private Language Typed(string type, JsonElement schema, string pointer) => type switch
    {
        "null" => Language.Literal("null"),
        "boolean" => Language.Choice(Language.Literal("true"), Language.Literal("false")),
        "integer" => IntegerOf(schema, pointer),
        "number" => NumberOf(schema, pointer),
        "string" => StringOf(schema, pointer),
        "array" => ArrayOf(schema, pointer),
        "object" => ObjectOf(schema, pointer),
        _ => throw Malformed($"'{pointer}/type' names the unknown type '{type}'."),
    };

    private static Language NumberOf(JsonElement schema, string pointer)
    {
        foreach (string bound in new[] { "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum" })
        {
            if (schema.TryGetProperty(bound, out _))
            {
                throw Unsupported(bound, pointer, " on numbers (only on integers)");
            }
        }

        return JsonText.Number;
    }

    /// <summary>Integers between their bounds; unbounded ones stay within 32 bits, so they fit the int properties schemas are usually generated from.</summary>
    private static Language IntegerOf(JsonElement schema, string pointer)
    {
        Int128? min = Tighter(Bound(schema, "minimum", pointer), Bound(schema, "exclusiveMinimum", pointer), Int128.Max);
        Int128? max = Tighter(Bound(schema, "maximum", pointer), Bound(schema, "exclusiveMaximum", pointer), Int128.Min);

        // A missing side defaults to 32 bits, unless the given side lies beyond them.
        Int128 low = min ?? (max < int.MinValue ? long.MinValue : int.MinValue);
        Int128 high = max ?? (min > int.MaxValue ? long.MaxValue : int.MaxValue);

        // The grammar writes integers that fit a long; beyond that a bound leaves nothing, or nothing more, to exclude.
        low = Int128.Max(low, long.MinValue);
        high = Int128.Min(high, long.MaxValue);
        return low > high ? Language.Nothing : IntegerRange.Of((long)low, (long)high);
    }

    /// <summary>The first integer a bound admits: an exclusive bound moves one inwards, a fractional one rounds inwards.</summary>
    private static Int128? Bound(JsonElement schema, string keyword, string pointer)
    {
        if (!schema.TryGetProperty(keyword, out JsonElement value))
        {
            return null;
        }

        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            throw Unsupported(keyword, pointer, " in draft 4's boolean form: give the bound as a number");
        }

        if (value.ValueKind != JsonValueKind.Number)
        {
            throw Malformed($"'{pointer}/{keyword}' must be a number.");
        }

        bool lower = keyword is "minimum" or "exclusiveMinimum";
        int inward = keyword is "exclusiveMinimum" ? 1 : keyword is "exclusiveMaximum" ? -1 : 0;
        if (value.TryGetInt64(out long whole))
        {
            return (Int128)whole + inward;
        }

        double d = value.GetDouble();
        bool integral = Math.Floor(d) == d;
        return (Int128)(lower ? Math.Ceiling(d) : Math.Floor(d)) + (integral ? inward : 0);
    }

    private static Int128? Tighter(Int128? a, Int128? b, Func<Int128, Int128, Int128> pick) => a is null ? b : b is null ? a : pick(a.Value, b.Value);

    private static Language StringOf(JsonElement schema, string pointer)
    {
        int minLength = Count(schema, "minLength", pointer) ?? 0;
        int? maxLength = Count(schema, "maxLength", pointer);
        Language? content = null;
        string? rule = null;
        if (schema.TryGetProperty("pattern", out JsonElement pattern))
        {
            content = RegexParser.Parse(pattern.GetString() ?? string.Empty);
            rule = "pattern";
        }

        if (schema.TryGetProperty("format", out JsonElement format))
        {
            if (rule is not null)
            {
                throw Unsupported("format", pointer, " together with 'pattern'");
            }

            string name = format.GetString() ?? string.Empty;
            content = StringFormats.Find(name) ?? throw new NotSupportedException($"JSON Schema keyword 'format' at '{pointer}/format' has the value '{name}', which is not supported for constrained output (supported: {string.Join(", ", StringFormats.Names)}).");
            rule = "format";
        }

        if (content is null)
        {
            return JsonText.String(minLength, maxLength);
        }

        Language bounded = LengthBounds.Restrict(content, minLength, maxLength)
            ?? throw Unsupported(maxLength is null ? "minLength" : "maxLength", pointer, $" together with this '{rule}', whose length it cannot bound exactly (it has more than one part of variable length): put the length into the pattern");
        return JsonText.Quoted(JsonText.Escaped(bounded));
    }

    private static int? Count(JsonElement schema, string keyword, string pointer) =>
        !schema.TryGetProperty(keyword, out JsonElement value) ? null
        : value.TryGetInt32(out int n) && n >= 0 ? n
        : throw Malformed($"'{pointer}/{keyword}' must be a non-negative integer.");

    private Language ArrayOf(JsonElement schema, string pointer)
    {
        JsonElement[] prefix = schema.TryGetProperty("prefixItems", out JsonElement p) ? [.. p.EnumerateArray()] : [];
        var prefixItems = prefix.Select((s, i) => Value(s, $"{pointer}/prefixItems/{i}")).ToArray();
        Language? items = !schema.TryGetProperty("items", out JsonElement i) ? JsonText.AnyValue(JsonText.AnyValueDepth - 1)
            : i.ValueKind == JsonValueKind.False ? null
            : Value(i, $"{pointer}/items");
        int min = Count(schema, "minItems", pointer) ?? 0;
        int? max = Count(schema, "maxItems", pointer);
        if (items is null)
        {
            max = Math.Min(max ?? prefix.Length, prefix.Length);
        }

        return Language.Sequence(Language.Literal("["), Elements(prefixItems, items, 0, min, max), Language.Literal("]"));
    }

    /// <summary>The elements from index <paramref name="at"/> on (after a comma when <paramref name="at"/> is not 0).</summary>
    private static Language Elements(Language[] prefix, Language? items, int at, int min, int? max)
    {
        if (at >= max)
        {
            return min > at ? Language.Nothing : Language.Empty;
        }

        Language comma = at > 0 ? Language.Literal(",") : Language.Empty;
        Language rest;
        if (at < prefix.Length)
        {
            rest = Language.Sequence(comma, prefix[at], Elements(prefix, items, at + 1, min, max));
        }
        else if (items is null || items.IsNothing)
        {
            return min > at ? Language.Nothing : Language.Empty;
        }
        else
        {
            int extraMin = Math.Max(0, min - at);
            int? extraMax = max - at;
            Language next = Language.Sequence(Language.Literal(","), items);
            rest = at > 0
                ? Language.Repeat(next, extraMin, extraMax)
                : Language.Sequence(items, Language.Repeat(next, Math.Max(0, extraMin - 1), extraMax - 1));
            return extraMin == 0 && at == 0 ? Language.Optional(rest) : rest;
        }

        return at >= min ? Language.Optional(rest) : rest;
    }

    private Language ObjectOf(JsonElement schema, string pointer)
    {
        HashSet<string> required = schema.TryGetProperty("required", out JsonElement r) ? [.. r.EnumerateArray().Select(e => e.GetString()!)] : [];
        var members = new List<(Language, bool)>();
        var declared = new HashSet<string>(StringComparer.Ordinal);
        if (schema.TryGetProperty("properties", out JsonElement properties))
        {
            foreach (JsonProperty property in properties.EnumerateObject())
            {
                declared.Add(property.Name);
                Language key = Language.Literal(JsonSerializer.Serialize(property.Name, Compact) + ":");
                members.Add((Language.Sequence(key, Value(property.Value, $"{pointer}/properties/{Escape(property.Name)}")), required.Contains(property.Name)));
            }
        }

        foreach (string missing in required.Where(n => !declared.Contains(n)))
        {
            throw new NotSupportedException($"JSON Schema keyword 'required' at '{pointer}/required' names '{missing}', which 'properties' does not declare; declare it so its value can be generated.");
        }

        members.AddRange(Additional(schema, pointer, declared.Count));
        return Language.Sequence(Language.Literal("{"), Language.Ordered(members, Language.Literal(",")), Language.Literal("}"));
    }

    /// <summary>
    /// Extra members allowed by <c>additionalProperties</c>. Left out, it counts as false (properties only). Beside
    /// declared properties no extra member is generated (its key could repeat a declared one); an object with no
    /// declared properties (a dictionary) gets any number of them.
    /// </summary>
    private IEnumerable<(Language, bool)> Additional(JsonElement schema, string pointer, int declared)
    {
        if (!schema.TryGetProperty("additionalProperties", out JsonElement extra) || extra.ValueKind == JsonValueKind.False || declared > 0)
        {
            yield break;
        }

        Language value = extra.ValueKind == JsonValueKind.True ? JsonText.AnyValue(JsonText.AnyValueDepth - 1) : Value(extra, $"{pointer}/additionalProperties");
        Language member = Language.Sequence(JsonText.String(1, 32), Language.Literal(":"), value);
        yield return (Language.Sequence(member, Language.Repeat(Language.Sequence(Language.Literal(","), member), 0, null)), false);
    }

    private Language Reference(string reference, string pointer)
    {
        if (reference != "#" && !reference.StartsWith("#/", StringComparison.Ordinal))
        {
            throw new NotSupportedException($"JSON Schema keyword '$ref' at '{pointer}/$ref' points to '{reference}'; only references inside the document ('#', '#/$defs/...', '#/definitions/...') are supported.");
        }

        JsonElement target = _root;
        foreach (string segment in reference.Length <= 2 ? [] : reference[2..].Split('/'))
        {
            string name = Uri.UnescapeDataString(segment).Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (target.ValueKind != JsonValueKind.Object || !target.TryGetProperty(name, out target))
            {
                throw Malformed($"'{pointer}/$ref' points to '{reference}', which the schema does not contain.");
            }
        }

        int depth = _active.GetValueOrDefault(reference);
        if (depth > RecursionDepth)
        {
            return Language.Nothing;
        }

        _active[reference] = depth + 1;
        try
        {
            return Value(target, reference);
        }
        finally
        {
            _active[reference] = depth;
        }
    }

    private static Language Literal(JsonElement value) => Language.Literal(JsonSerializer.Serialize(value, Compact));

    private static string Escape(string name) => name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
