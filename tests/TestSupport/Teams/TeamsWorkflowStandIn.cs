using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace IntegrationHub.TestSupport.Teams;

/// <summary>
/// A stand-in for a Teams Workflows webhook ("When a Teams webhook request is received", INTEGRATIONS.md §2.2) on
/// 127.0.0.1 (Kestrel): <c>POST /workflows/{id}/triggers/manual/paths/invoke?api-version=2016-06-01&amp;sp=…&amp;sv=1.0&amp;sig=…</c>.
/// Like the real trigger it refuses a wrong <c>sig</c> (401), checks the body is a <c>message</c> with an Adaptive Card
/// attachment (400 otherwise), and answers 202. It records every request, and can be told to answer 429 or 500 a few
/// times before recovering.
/// </summary>
public sealed class TeamsWorkflowStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<TeamsRecordedRequest> _requests = [];
    private int _failuresRemaining;
    private int _failureStatus;
    private int _retryAfterSeconds;

    private TeamsWorkflowStandIn(WebApplication app, string signature)
    {
        _app = app;
        Signature = signature;
    }

    /// <summary>The <c>sig</c> the trigger expects: the secret part of the URL.</summary>
    public string Signature { get; }

    /// <summary>The URL to configure as the connector's <c>teamsWorkflowUrl</c> secret.</summary>
    public Uri WorkflowUrl { get; private set; } = null!;

    /// <summary>Every request, in arrival order (refused ones included).</summary>
    public IReadOnlyList<TeamsRecordedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>The cards accepted (answered 202), in arrival order.</summary>
    public IReadOnlyList<JsonObject> AcceptedCards => Requests.Where(r => r.Status == 202).Select(r => r.Json!).ToList();

    public static async Task<TeamsWorkflowStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var standIn = new TeamsWorkflowStandIn(app, FakeSecrets.Token("sig"));
        app.MapPost("/workflows/{id}/triggers/manual/paths/invoke", standIn.HandleAsync);
        await app.StartAsync();
        var address = app.Urls.Single().Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/');
        standIn.WorkflowUrl = new Uri(
            $"{address}/workflows/{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={standIn.Signature}");
        return standIn;
    }

    /// <summary>The next <paramref name="times"/> valid requests get <paramref name="status"/> (with <c>Retry-After</c> on 429).</summary>
    public void FailNext(int times, int status = 429, int retryAfterSeconds = 1)
    {
        lock (_gate)
        {
            _failuresRemaining = times;
            _failureStatus = status;
            _retryAfterSeconds = retryAfterSeconds;
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var status = Answer(context.Request, body);
        lock (_gate)
        {
            _requests.Add(new TeamsRecordedRequest(context.Request.Path + context.Request.QueryString, context.Request.ContentType, body, status));
        }
        context.Response.StatusCode = status;
        if (status == 429)
        {
            context.Response.Headers.RetryAfter = _retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        }
        if (status >= 400)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(
                System.Text.Json.JsonSerializer.Serialize(new { error = new { code = $"StandIn{status}", message = $"The stand-in answered {status}." } }));
        }
    }

    private int Answer(HttpRequest request, string body)
    {
        if (request.Query["sig"] != Signature || request.Query["api-version"] != "2016-06-01")
        {
            return 401;
        }
        if (!IsCardMessage(body))
        {
            return 400;
        }
        lock (_gate)
        {
            if (_failuresRemaining > 0)
            {
                _failuresRemaining--;
                return _failureStatus;
            }
        }
        return 202;
    }

    private static bool IsCardMessage(string body)
    {
        try
        {
            return JsonNode.Parse(body) is JsonObject { } message
                && (string?)message["type"] == "message"
                && message["attachments"] is JsonArray { Count: > 0 } attachments
                && attachments.All(a => (string?)a?["contentType"] == "application/vnd.microsoft.card.adaptive"
                    && a?["content"] is JsonObject content && (string?)content["type"] == "AdaptiveCard");
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One request the stand-in received, and the status it answered.</summary>
public sealed record TeamsRecordedRequest(string PathAndQuery, string? ContentType, string Body, int Status)
{
    public JsonObject? Json => string.IsNullOrEmpty(Body) ? null : JsonNode.Parse(Body)!.AsObject();
}
