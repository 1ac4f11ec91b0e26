using Microsoft.AspNetCore.Http;
using Qwen.Onnx.Server.Hosting;
using Qwen.Onnx.Server.Protocol;

namespace Qwen.Onnx.Server.Endpoints;

/// <summary><c>GET /v1/models</c> and <c>GET /health</c>.</summary>
internal static class InfoEndpoints
{
    public static IResult Models(ModelCatalog catalog) => Results.Json(
        new ModelList([.. catalog.Models.Select(m => new ModelEntry(m.Id, m.Created, m.State == ServedModelState.Ready, m.InputModalities, m.ContextLength))]),
        ServerJson.Wire.ModelList);

    /// <summary>200 when every model is loaded; 503 while one is loading or after one failed, with each model's state.</summary>
    public static IResult Health(ModelCatalog catalog)
    {
        string status = catalog.IsReady ? "ready" : catalog.Models.Any(m => m.State == ServedModelState.Failed) ? "failed" : "loading";
        var report = new HealthReport(status, [.. catalog.Models.Select(m => new ModelHealth(m.Id, m.State.ToString().ToLowerInvariant(), m.Error))]);
        return Results.Json(report, ServerJson.Wire.HealthReport, statusCode: catalog.IsReady ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }
}
