using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace IntegrationHub.TestSupport.Graph;

/// <summary>
/// JSON batching as Graph does it (INTEGRATIONS.md §1.6): <c>POST /v1.0/$batch</c> with at most 20 steps whose
/// <c>url</c> is relative (no <c>/v1.0</c>), the step ids echoed, the responses in another order than the requests,
/// and 200 for the batch even when a step is throttled. Steps supported: <c>GET /users/{mailbox}/events/{id}</c>.
/// </summary>
public sealed partial class GraphStandIn
{
    private int _batchStepFailures;
    private int _batchRetryAfterSeconds = 1;

    /// <summary>The next <paramref name="steps"/> batch steps answer 429 with <c>Retry-After</c> (the batch itself 200).</summary>
    public void FailNextBatchSteps(int steps, int retryAfterSeconds = 1)
    {
        lock (_gate)
        {
            _batchStepFailures = steps;
            _batchRetryAfterSeconds = retryAfterSeconds;
        }
    }

    private void MapBatchRoute() =>
        _app.MapPost("/v1.0/$batch", (Func<HttpContext, Task<IResult>>)(c => HandleAsync(c, null, body =>
        {
            lock (_gate)
            {
                return Task.FromResult(Batch(body));
            }
        })));

    // Called under _gate.
    private IResult Batch(string text)
    {
        var steps = JsonNode.Parse(text)?["requests"]?.AsArray() ?? [];
        if (steps.Count is 0 or > 20)
        {
            return Error(HttpStatusCode.BadRequest, "BadRequest", "Invalid batch payload format: between 1 and 20 requests.");
        }

        var responses = new JsonArray();
        foreach (var step in steps.Reverse())
        {
            var id = (string?)step!["id"];
            responses.Add(new JsonObject { ["id"] = id }.Merge(BatchStep((string?)step["method"], (string?)step["url"])));
        }

        return Results.Json(new JsonObject { ["responses"] = responses }, Json);
    }

    // Called under _gate.
    private JsonObject BatchStep(string? method, string? url)
    {
        if (_batchStepFailures > 0)
        {
            _batchStepFailures--;
            return StepResponse(429, ErrorBody("ApplicationThrottled", "Application is over its MailboxConcurrency limit."),
                ("Retry-After", _batchRetryAfterSeconds.ToString(CultureInfo.InvariantCulture)));
        }

        var path = Uri.UnescapeDataString((url ?? string.Empty).Split('?')[0]).Trim('/').Split('/');
        if (method != "GET" || path is not ["users", var mailbox, "events", var eventId] || (url ?? string.Empty).StartsWith("/v1.0", StringComparison.Ordinal))
        {
            return StepResponse(400, ErrorBody("BadRequest", $"Unsupported batch step {method} {url}."));
        }

        return _events.TryGetValue(eventId, out var stored) && stored.Mailbox.Equals(mailbox, StringComparison.OrdinalIgnoreCase)
            ? StepResponse(200, stored.Body.DeepClone())
            : StepResponse(404, ErrorBody("ErrorItemNotFound", "The specified object was not found in the store."));
    }

    private static JsonObject StepResponse(int status, JsonNode body, params (string Name, string Value)[] headers)
    {
        var headerObject = new JsonObject { ["Content-Type"] = "application/json" };
        foreach (var (name, value) in headers)
        {
            headerObject[name] = value;
        }

        return new JsonObject { ["status"] = status, ["headers"] = headerObject, ["body"] = body };
    }

    private static JsonObject ErrorBody(string code, string message) =>
        new() { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } };
}

internal static class JsonObjectMerging
{
    public static JsonObject Merge(this JsonObject target, JsonObject source)
    {
        foreach (var (key, value) in source.ToList())
        {
            source.Remove(key);
            target[key] = value;
        }

        return target;
    }
}
