namespace Qwen.Onnx.Constraints.Tests;

/// <summary>The schemas the engines are held to: nested objects, arrays of objects, enums, anyOf, recursion, patterns, formats, integer ranges.</summary>
internal static class Schemas
{
    public const string Receipt = """
        {"type":"object","properties":{
          "merchant":{"type":"string","maxLength":12},
          "date":{"type":"string","format":"date"},
          "total":{"type":"number"},
          "items":{"type":"array","maxItems":3,"items":{"type":"object","properties":{"name":{"type":"string","maxLength":6},"qty":{"type":"integer","minimum":1,"maximum":99}},"required":["name","qty"],"additionalProperties":false}}},
         "required":["merchant","date","total"],"additionalProperties":false}
        """;

    public const string Label = """{"type":"object","properties":{"label":{"enum":["billing","sales","support","spam","other"]},"urgent":{"type":"boolean"}},"required":["label","urgent"]}""";

    public const string Shape = """
        {"anyOf":[
          {"type":"object","properties":{"kind":{"const":"circle"},"r":{"type":"integer","minimum":0,"maximum":1000}},"required":["kind","r"]},
          {"type":"object","properties":{"kind":{"const":"box"},"w":{"type":"integer","minimum":-5,"maximum":5},"h":{"type":["integer","null"]}},"required":["kind","w"]}]}
        """;

    public const string Tree = """
        {"$ref":"#/$defs/node","$defs":{"node":{"type":"object","properties":{"id":{"type":"integer","minimum":0,"maximum":9},"children":{"type":"array","maxItems":2,"items":{"$ref":"#/$defs/node"}}},"required":["id","children"]}}}
        """;

    public const string Codes = """
        {"type":"object","properties":{"sku":{"type":"string","pattern":"^[A-Z]{3}-\\d{4}$"},"id":{"type":"string","format":"uuid"},"at":{"type":"string","format":"date-time"},"mail":{"type":"string","format":"email"},"tags":{"type":"array","prefixItems":[{"type":"string","maxLength":3}],"items":false,"minItems":1}},"required":["sku","id","at","tags"]}
        """;

    public static IEnumerable<string> All => [Receipt, Label, Shape, Tree, Codes];
}
