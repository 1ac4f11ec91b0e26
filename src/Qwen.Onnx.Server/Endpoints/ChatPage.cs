using Microsoft.AspNetCore.Http;

namespace Qwen.Onnx.Server.Endpoints;

/// <summary>The browser chat page: static files embedded in this assembly, so it works offline with no build step.</summary>
internal static class ChatPage
{
    public static readonly (string Route, string Resource, string ContentType)[] Files =
    [
        ("/", "index.html", "text/html; charset=utf-8"),
        ("/chat.js", "chat.js", "text/javascript; charset=utf-8"),
        ("/chat.css", "chat.css", "text/css; charset=utf-8"),
    ];

    public static IResult Serve(string resource, string contentType)
    {
        Stream file = typeof(ChatPage).Assembly.GetManifestResourceStream("Qwen.Onnx.Server.wwwroot." + resource)
            ?? throw new InvalidOperationException($"The chat page file {resource} is missing from the assembly.");
        return Results.Stream(file, contentType);
    }
}
