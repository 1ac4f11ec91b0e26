using System.Net;
using System.Text;

namespace Qwen.Onnx.Server.Tests;

/// <summary>200 malformed or hostile bodies: each gets a 4xx in OpenAI's shape, and the server keeps answering.</summary>
public class HostileBodyTests
{
    private const string Valid = """{"model":"vl","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"Hi"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}],"max_tokens":2,"temperature":0.5,"stop":["x"]}""";

    /// <summary>A WAV header that claims a 4 GB data chunk, followed by a few real samples.</summary>
    private static string HugeWav()
    {
        var wav = new MemoryStream();
        var w = new BinaryWriter(wav);
        w.Write("RIFF"u8); w.Write(uint.MaxValue); w.Write("WAVE"u8);
        w.Write("fmt "u8); w.Write(16); w.Write((short)1); w.Write((short)1); w.Write(16000); w.Write(32000); w.Write((short)2); w.Write((short)16);
        w.Write("data"u8); w.Write(0xFFFF_FFF0u); w.Write(new byte[64]);
        return Convert.ToBase64String(wav.ToArray());
    }

    private static IEnumerable<string> Bodies()
    {
        // Every prefix-truncation of a valid body (length 1 .. n-1, 60 of them spread evenly).
        for (int i = 1; i <= 60; i++)
        {
            yield return Valid[..(Valid.Length * i / 61)];
        }

        yield return new string('[', 100_000);
        yield return string.Concat(Enumerable.Repeat("{\"a\":", 5_000)) + "1" + new string('}', 5_000);
        yield return """{"model":"text","messages":[{"role":"user","content":"x"}],"stop":""" + new string('[', 70) + new string(']', 70) + "}";
        yield return """{"model":"text","messages":[{"role":"user","content":[""" + string.Join(',', Enumerable.Repeat("""{"type":"text","text":5}""", 100)) + "]}]}";
        yield return "{\"model\":\"" + new string('m', 900_000) + "\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}";
        yield return "{\"model\":\"text\",\"messages\":[{\"role\":\"" + new string('r', 500_000) + "\",\"content\":\"a\"}]}";
        yield return "\uFEFF\uFEFF{}";
        yield return "\0\0\0\0";
        yield return "null";
        yield return "\"just a string\"";
        yield return "12345";
        yield return "{}";
        yield return "{\"model\":\"text\"}";
        yield return "{\"model\":\"text\",\"messages\":[null]}";
        yield return "{\"model\":\"text\",\"messages\":[{}]}";
        yield return "{\"model\":\"text\",\"messages\":[{\"role\":\"user\"}]}";
        yield return "{\"model\":\"text\",\"messages\":[{\"role\":\"user\",\"content\":{}}]}";
        yield return "{\"model\":\"text\",\"messages\":[{\"role\":\"user\",\"content\":[]}]}";
        yield return "{\"model\":\"text\",\"messages\":[{\"role\":\"user\",\"content\":[{}]}]}";
        yield return "{\"model\":\"text\",\"messages\":[{\"role\":\"assistant\",\"content\":null}]}";
        yield return "{\"model\":\"text\",\"messages\":[{\"role\":\"tool\",\"content\":\"r\"}]}";
        yield return "{\"model\":\"text\",\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"function\":{\"name\":\"f\",\"arguments\":\"not json\"}}]}]}";
        yield return "{\"model\":\"text\",\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"function\":{\"name\":\"f\",\"arguments\":\"[1]\"}}]}]}";
        yield return "{\"model\":\"text\",\"messages\":[{\"role\":\"system\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,AA==\"}}]}]}";

        // Wrong types for each top-level option.
        foreach (string field in new[] { "max_tokens", "max_completion_tokens", "temperature", "top_p", "seed", "n", "stream", "stream_options", "stop", "tools", "tool_choice", "response_format" })
        {
            foreach (string value in new[] { "\"str\"", "{\"x\":1}", "[true]", "-1e400" })
            {
                if ((field is "stop" && value == "\"str\"") || (field == "stream_options" && value.StartsWith('{')))
                {
                    continue; // a string is a valid stop; unknown stream options are ignored, as OpenAI does
                }

                yield return $$"""{"model":"text","messages":[{"role":"user","content":"a"}],"{{field}}":{{value}}}""";
            }
        }

        foreach (string bad in new[] { "max_tokens\":0", "max_tokens\":1.5", "max_tokens\":99999999999", "temperature\":-1", "top_p\":1.5", "seed\":1e30", "tool_choice\":\"sometimes\"", "stop\":[\"\"]", "stop\":[1]" })
        {
            yield return "{\"model\":\"text\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"" + bad + "}";
        }

        // Bad media.
        string[] uris =
        [
            "data:", "data:image/png", "data:image/png,abc", "data:image/png;base64,", "data:image/png;base64,====", "data:image/png;base64,A",
            "data:image/svg+xml;base64,PHN2Zz4=", "data:;base64,AAAA", "data:image/png;base64," + Convert.ToBase64String(new byte[300]),
            "data:image/jpeg;base64," + Convert.ToBase64String([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), "data:image/gif;base64,R0lGODlh", "data:image/bmp;base64,Qk0=",
            "file:///etc/passwd", "ftp://127.0.0.1/x.png", "javascript:alert(1)", "not a url", "", "http://127.0.0.1:9/x.png",
        ];
        foreach (string uri in uris)
        {
            yield return RawHttp.ImageChat("vl", uri);
        }

        yield return RawHttp.Chat("vl", """[{"type":"image_url","image_url":5}]""");
        yield return RawHttp.Chat("vl", """[{"type":"image_url","image_url":{}}]""");
        yield return RawHttp.Chat("vl", """[{"type":"image_url"}]""");
        string[] audios = [HugeWav(), "UklGRiQAAABXQVZFZm10IBAAAAABAAEAgD4AAAB9AAACABAAZGF0YQAAAAA=", "////", "SUQzBAAAAAAA", "%%%", ""];
        foreach (string data in audios)
        {
            yield return RawHttp.Chat("audio", "[{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"" + data + "\",\"format\":\"wav\"}}]");
            yield return RawHttp.Chat("audio", "[{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"" + data + "\",\"format\":\"mp3\"}}]");
        }

        yield return RawHttp.Chat("audio", """[{"type":"input_audio","input_audio":{"format":"wav"}}]""");
        yield return RawHttp.Chat("audio", """[{"type":"input_audio","input_audio":{"data":"AAAA"}}]""");
        yield return RawHttp.Chat("audio", """[{"type":"input_audio","input_audio":"AAAA"}]""");

        // Malformed tools.
        string[] tools = ["[5]", "[{}]", "[{\"type\":\"function\"}]", "[{\"type\":\"function\",\"function\":{}}]", "[{\"type\":\"function\",\"function\":{\"name\":\"bad name\"}}]",
            "[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":\"x\"}}]", "[{\"type\":\"retrieval\"}]"];
        foreach (string list in tools)
        {
            yield return "{\"model\":\"text\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"tools\":" + list + "}";
        }

        foreach (string choice in new[] { "{\"type\":\"function\"}", "{\"type\":\"function\",\"function\":{}}", "{}" })
        {
            yield return "{\"model\":\"text\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"tool_choice\":" + choice + "}";
        }

        // Random bytes, the same every run.
        var random = new Random(13);
        for (int i = 0; i < 20; i++)
        {
            byte[] noise = new byte[random.Next(1, 2000)];
            random.NextBytes(noise);
            yield return Encoding.Latin1.GetString(noise);
        }

        // Invalid UTF-8 and control characters are handled by the JSON reader.
        yield return "{\"model\":\"text\",\"messages\":[{\"role\":\"user\",\"content\":\"\u0001\"}]}";
        yield return "{\"model\":\"text\",\"messages\":[{\"role\":\"user\",\"content\":\"\\ud800\"}],\"n\":0}";
    }

    [Test]
    public async Task TwoHundredHostileBodiesGet4xxAndTheServerKeepsAnswering()
    {
        string[] bodies = [.. Bodies()];
        byte[] invalidUtf8 = [.. Encoding.UTF8.GetBytes("{\"model\":\"text\",\"messages\":[{\"role\":\"user\",\"content\":\""), 0xC3, 0x28, 0xFF, .. Encoding.UTF8.GetBytes("\"}]}")];
        var statuses = new List<(int Status, string Body)>();
        foreach (string body in bodies)
        {
            using HttpResponseMessage response = await RawHttp.PostAsync(Servers.Main.Http, body);
            string answer = await response.Content.ReadAsStringAsync();
            bool openAIShape = answer.StartsWith("{\"error\":{\"message\":", StringComparison.Ordinal);
            statuses.Add((openAIShape ? (int)response.StatusCode : -1, (body.Length > 120 ? body[..120] + "…" : body) + " => " + answer));
        }

        using (HttpResponseMessage response = await Servers.Main.Http.PostAsync("v1/chat/completions", new ByteArrayContent(invalidUtf8)))
        {
            statuses.Add(((int)response.StatusCode, "invalid UTF-8"));
        }

        using HttpResponseMessage after = await RawHttp.PostAsync(Servers.Main.Http, RawHttp.Chat("text", "\"still there?\"", ""","max_tokens":2"""));
        Assert.Multiple(() =>
        {
            Assert.That(statuses, Has.Count.GreaterThanOrEqualTo(200));
            Assert.That(statuses.Where(s => s.Status is < 400 or >= 500).Select(s => s.Body), Is.Empty, "each a 4xx in OpenAI's error shape");
            Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        });
    }
}
