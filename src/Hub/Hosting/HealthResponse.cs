using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace IntegrationHub.Hosting;

/// <summary>Writes <c>/health</c> as JSON: the overall status and each check's status, description and data (never secrets).</summary>
public static class HealthResponse
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = report.Status.ToString(),
            entries = report.Entries.ToDictionary(
                e => e.Key,
                e => new { status = e.Value.Status.ToString(), description = e.Value.Description, data = e.Value.Data }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, JsonSerializerOptions.Web));
    }
}
