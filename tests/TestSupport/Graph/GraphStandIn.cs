using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace IntegrationHub.TestSupport.Graph;

/// <summary>
/// A stand-in for the Microsoft Graph calendar routes the connector calls (INTEGRATIONS.md §1) on 127.0.0.1 (Kestrel):
/// <c>GET /users/{mailbox}/calendar</c>, <c>POST /users/{mailbox}/events</c> (and <c>/calendar/events</c>) with
/// <c>transactionId</c> idempotency, <c>GET</c>/<c>PATCH /users/{mailbox}/events/{id}</c> and <c>POST …/cancel</c>.
/// It checks the bearer token, stores events, lets a test answer for an attendee, and can answer 429 with
/// <c>Retry-After</c>. Every request is logged with its headers and body.
/// </summary>
public sealed partial class GraphStandIn : IAsyncDisposable
{
    public static readonly string DefaultToken = FakeSecrets.Token("stand-in-graph");
    public const string DefaultMailbox = "secretariat@mairie-exemple.fr";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<GraphRecordedRequest> _requests = [];
    private readonly Dictionary<string, StoredEvent> _events = new(StringComparer.Ordinal);
    private readonly HashSet<string> _mailboxes = new(StringComparer.OrdinalIgnoreCase);
    private int _failuresRemaining;
    private int _failureStatus = 429;
    private int _retryAfterSeconds = 1;
    private int _nextId;
    private int _sequence;
    private int _inFlight;
    private int _maxInFlight;

    private GraphStandIn(WebApplication app, string token, IEnumerable<string> mailboxes)
    {
        _app = app;
        AccessToken = token;
        foreach (var mailbox in mailboxes)
        {
            _mailboxes.Add(mailbox);
        }
    }

    /// <summary>The bearer token the stand-in accepts.</summary>
    public string AccessToken { get; }

    /// <summary>The base URL to configure as <c>graphBaseUrl</c>, e.g. <c>http://127.0.0.1:41234/v1.0</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>How long each request is held before it is answered, to make concurrent requests overlap.</summary>
    public TimeSpan ResponseDelay { get; set; }

    /// <summary>The most requests that were in flight at the same time.</summary>
    public int MaxConcurrentRequests => Volatile.Read(ref _maxInFlight);

    /// <summary>How many events are stored (cancelled ones included), without copying them: cheap enough to poll.</summary>
    public int EventCount
    {
        get
        {
            lock (_gate)
            {
                return _events.Count;
            }
        }
    }

    /// <summary>Every request, in arrival order (refused ones included).</summary>
    public IReadOnlyList<GraphRecordedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>The stored events (cancelled ones included), in creation order.</summary>
    public IReadOnlyList<GraphStoredEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events.Values.OrderBy(e => e.Order).Select(e => e.Snapshot())];
            }
        }
    }

    /// <summary>Starts a stand-in on a port the OS picks on 127.0.0.1, knowing <paramref name="mailboxes"/> (default <see cref="DefaultMailbox"/>).</summary>
    public static async Task<GraphStandIn> StartAsync(string? token = null, params string[] mailboxes)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var standIn = new GraphStandIn(app, token ?? DefaultToken, mailboxes.Length == 0 ? [DefaultMailbox] : mailboxes);
        standIn.MapRoutes();
        await app.StartAsync();
        var address = app.Urls.Single().Replace("[::]", "127.0.0.1", StringComparison.Ordinal);
        standIn.BaseUrl = new Uri(address.TrimEnd('/') + "/v1.0", UriKind.Absolute);
        return standIn;
    }

    /// <summary>The next <paramref name="times"/> requests get <paramref name="status"/> (429 by default) with <c>Retry-After</c>.</summary>
    public void FailNext(int times, int retryAfterSeconds = 1, int status = 429)
    {
        lock (_gate)
        {
            _failuresRemaining = times;
            _retryAfterSeconds = retryAfterSeconds;
            _failureStatus = status;
        }
    }

    /// <summary>Records <paramref name="address"/>'s answer to event <paramref name="eventId"/>, as Outlook would.</summary>
    /// <param name="eventId">The event.</param>
    /// <param name="address">The attendee's address.</param>
    /// <param name="response"><c>accepted</c>, <c>declined</c>, <c>tentativelyAccepted</c>, <c>none</c>…</param>
    /// <param name="time">When they answered.</param>
    public void SetResponse(string eventId, string address, string response, DateTimeOffset time)
    {
        lock (_gate)
        {
            var attendee = _events[eventId].Body["attendees"]!.AsArray()
                .First(a => string.Equals((string?)a!["emailAddress"]!["address"], address, StringComparison.OrdinalIgnoreCase))!;
            attendee["status"] = new JsonObject
            {
                ["response"] = response,
                ["time"] = time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            };
        }
    }

    public async ValueTask DisposeAsync()
    {
        _outbound.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private const string SequenceItem = "stand-in-sequence";

    /// <summary>Keeps each answer (status and body) with the request it answers.</summary>
    private async Task RecordResponseAsync(HttpContext context, RequestDelegate next)
    {
        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }

        buffer.Position = 0;
        var answer = await new StreamReader(buffer).ReadToEndAsync(context.RequestAborted);
        buffer.Position = 0;
        await buffer.CopyToAsync(original, context.RequestAborted);
        if (context.Items[SequenceItem] is int sequence)
        {
            lock (_gate)
            {
                var index = _requests.FindIndex(r => r.Sequence == sequence);
                _requests[index] = _requests[index] with { ResponseStatus = context.Response.StatusCode, ResponseBody = answer };
            }
        }
    }

    private void MapRoutes()
    {
        _app.Use(RecordResponseAsync);
        _app.MapGet("/v1.0/users/{mailbox}/calendar", (HttpContext c, string mailbox) => HandleAsync(c, mailbox, _ => Results.Json(new
        {
            id = "AAMkCalendar",
            name = "Calendrier",
            canEdit = true,
            owner = new { name = "Secrétariat", address = mailbox },
        })));
        _app.MapPost("/v1.0/users/{mailbox}/events", (HttpContext c, string mailbox) => HandleAsync(c, mailbox, body => Create(mailbox, body)));
        _app.MapPost("/v1.0/users/{mailbox}/calendar/events", (HttpContext c, string mailbox) => HandleAsync(c, mailbox, body => Create(mailbox, body)));
        _app.MapGet("/v1.0/users/{mailbox}/events/{id}", (HttpContext c, string mailbox, string id) => HandleAsync(c, mailbox, _ => WithEvent(mailbox, id, e => Results.Json(e.Body, Json))));
        _app.MapMethods("/v1.0/users/{mailbox}/events/{id}", ["PATCH"], (HttpContext c, string mailbox, string id) => HandleAsync(c, mailbox, body => WithEvent(mailbox, id, e => Patch(e, body))));
        _app.MapPost("/v1.0/users/{mailbox}/events/{id}/cancel", (HttpContext c, string mailbox, string id) => HandleAsync(c, mailbox, body => WithEvent(mailbox, id, e => Cancel(e, body))));
        MapSubscriptionRoutes();
        MapBatchRoute();
        _app.MapFallback(() => Error(HttpStatusCode.BadRequest, "BadRequest", "Resource not found for the segment."));
    }

    private Task<IResult> HandleAsync(HttpContext context, string mailbox, Func<string, IResult> handle) =>
        HandleAsync(context, mailbox, body =>
        {
            lock (_gate)
            {
                return Task.FromResult(handle(body));
            }
        });

    /// <summary>Logs, authenticates, injects failures and checks the mailbox (when the route has one), then runs <paramref name="handle"/> outside the lock.</summary>
    private async Task<IResult> HandleAsync(HttpContext context, string? mailbox, Func<string, Task<IResult>> handle)
    {
        var request = context.Request;
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var recorded = new GraphRecordedRequest(
            request.Method,
            request.Path.Value + request.QueryString.Value,
            request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            [.. request.Headers["Prefer"].SelectMany(p => (p ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))],
            body);
        var inFlight = Interlocked.Increment(ref _inFlight);
        try
        {
            lock (_gate)
            {
                _requests.Add(recorded with { Sequence = ++_sequence });
                context.Items[SequenceItem] = _sequence;
                _maxInFlight = Math.Max(_maxInFlight, inFlight);
            }

            if (ResponseDelay > TimeSpan.Zero)
            {
                await Task.Delay(ResponseDelay, TimeProvider.System, context.RequestAborted);
            }

            if (request.Headers.Authorization.ToString() != $"Bearer {AccessToken}")
            {
                return Error(HttpStatusCode.Unauthorized, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.");
            }

            lock (_gate)
            {
                if (_failuresRemaining > 0)
                {
                    _failuresRemaining--;
                    context.Response.Headers.RetryAfter = _retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                    return _failureStatus == 429
                        ? Error(HttpStatusCode.TooManyRequests, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.")
                        : Error((HttpStatusCode)_failureStatus, "ServiceUnavailable", "Service unavailable.");
                }

                if (mailbox is not null && !_mailboxes.Contains(mailbox))
                {
                    return Error(HttpStatusCode.NotFound, "ErrorInvalidUser", $"The requested user '{mailbox}' is invalid.");
                }
            }

            return await handle(body);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    // Called under _gate.
    private IResult Create(string mailbox, string text)
    {
        var body = JsonNode.Parse(text)!.AsObject();
        body.Remove("@odata.type");
        if ((string?)body["transactionId"] is { } transactionId
            && _events.Values.FirstOrDefault(e => string.Equals(e.Mailbox, mailbox, StringComparison.OrdinalIgnoreCase) && e.TransactionId == transactionId) is { } existing)
        {
            return Results.Json(existing.Body, Json, statusCode: StatusCodes.Status201Created);
        }

        var order = ++_nextId;
        var id = string.Create(CultureInfo.InvariantCulture, $"AAMkAGStandInEvent{order:D4}=");
        body["id"] = id;
        body["iCalUId"] = string.Create(CultureInfo.InvariantCulture, $"040000008200E00074C5B7101A82E008000000000000000000000000000000{order:D4}");
        body["webLink"] = $"https://outlook.office365.com/owa/?itemid={Uri.EscapeDataString(id)}&exvsurl=1&path=/calendar/item";
        body["isCancelled"] = false;
        body["organizer"] = new JsonObject { ["emailAddress"] = new JsonObject { ["address"] = mailbox } };
        foreach (var attendee in body["attendees"]?.AsArray() ?? [])
        {
            attendee!.AsObject().Remove("@odata.type");
            attendee["status"] = NoResponse();
        }

        if ((bool?)body["isOnlineMeeting"] == true)
        {
            AddTeamsMeeting(body, order);
        }

        var stored = new StoredEvent(order, mailbox, (string?)body["transactionId"], body);
        _events[id] = stored;
        return Results.Json(body, Json, statusCode: StatusCodes.Status201Created);
    }

    private IResult WithEvent(string mailbox, string id, Func<StoredEvent, IResult> handle) =>
        _events.TryGetValue(id, out var stored) && string.Equals(stored.Mailbox, mailbox, StringComparison.OrdinalIgnoreCase)
            ? handle(stored)
            : Error(HttpStatusCode.NotFound, "ErrorItemNotFound", "The specified object was not found in the store.");

    private static IResult Patch(StoredEvent stored, string text)
    {
        var patch = JsonNode.Parse(text)!.AsObject();
        patch.Remove("@odata.type");
        var joinUrl = (string?)stored.Body["onlineMeeting"]?["joinUrl"];
        if (joinUrl is not null && patch["body"] is JsonObject newBody && !((string?)newBody["content"] ?? string.Empty).Contains(joinUrl, StringComparison.Ordinal))
        {
            // Event update (DOC): "Inadvertently removing the meeting blob from the body would disable meeting online."
            stored.Body["isOnlineMeeting"] = false;
            stored.Body.Remove("onlineMeeting");
        }

        if ((bool?)patch["isOnlineMeeting"] == true && joinUrl is null)
        {
            patch.Remove("isOnlineMeeting");
            stored.Body["isOnlineMeeting"] = true;
            stored.Body["onlineMeetingProvider"] = (string?)patch["onlineMeetingProvider"];
            patch.Remove("onlineMeetingProvider");
            patch.Remove("body");
            AddTeamsMeeting(stored.Body, stored.Order);
        }

        foreach (var (key, value) in patch.ToList())
        {
            if (key == "attendees")
            {
                var previous = stored.Body["attendees"]?.AsArray() ?? [];
                foreach (var attendee in value!.AsArray())
                {
                    attendee!.AsObject().Remove("@odata.type");
                    var address = (string?)attendee["emailAddress"]?["address"];
                    var kept = previous.FirstOrDefault(p => string.Equals((string?)p!["emailAddress"]?["address"], address, StringComparison.OrdinalIgnoreCase));
                    attendee["status"] = kept?["status"]?.DeepClone() ?? NoResponse();
                }
            }

            patch.Remove(key);
            stored.Body[key] = value;
        }

        stored.Patches++;
        return Results.Json(stored.Body, Json);
    }

    private static IResult Cancel(StoredEvent stored, string text)
    {
        using var document = JsonDocument.Parse(text);
        // The SDK sends {"Comment":"..."}: read the key case-insensitively (INTEGRATIONS.md §1.1).
        stored.CancellationComment = document.RootElement.EnumerateObject()
            .FirstOrDefault(p => string.Equals(p.Name, "comment", StringComparison.OrdinalIgnoreCase)).Value.GetString();
        stored.Body["isCancelled"] = true;
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    /// <summary>As Exchange does: a join URL, and the Teams blob appended to the body (rule, join link, rule).</summary>
    private static void AddTeamsMeeting(JsonObject body, int order)
    {
        var joinUrl = $"https://teams.microsoft.com/l/meetup-join/stand-in-{order}";
        body["onlineMeeting"] = new JsonObject { ["joinUrl"] = joinUrl };
        const string Rule = "<div style=\"width:100%\"><span style=\"white-space:nowrap;color:#5F5F5F;opacity:.36\">________________________________________________________________________________</span></div>";
        var blob = Rule
            + "<div class=\"me-email-text\" lang=\"fr-FR\"><div style=\"margin-top:24px;margin-bottom:20px\"><span style=\"font-size:24px\">Réunion Microsoft Teams</span></div>"
            + $"<div><a class=\"me-email-headline\" href=\"{joinUrl}\" target=\"_blank\" rel=\"noreferrer noopener\">Rejoindre la réunion maintenant</a></div>"
            + "<div>ID de réunion : 123 456 789 0</div></div>" + Rule;
        var content = (string?)body["body"]?["content"] ?? string.Empty;
        var close = content.LastIndexOf("</body>", StringComparison.OrdinalIgnoreCase);
        body["body"] = new JsonObject
        {
            ["contentType"] = "html",
            ["content"] = close < 0 ? content + blob : content[..close] + blob + content[close..],
        };
    }

    private static JsonObject NoResponse() => new() { ["response"] = "none", ["time"] = "0001-01-01T00:00:00Z" };

    private static IResult Error(HttpStatusCode status, string code, string message) =>
        Results.Json(new { error = new { code, message, innerError = new { date = "2026-11-23T00:00:00", requestId = Guid.Empty } } }, statusCode: (int)status);

    private sealed class StoredEvent(int order, string mailbox, string? transactionId, JsonObject body)
    {
        public int Order { get; } = order;
        public string Mailbox { get; } = mailbox;
        public string? TransactionId { get; } = transactionId;
        public JsonObject Body { get; } = body;
        public int Patches { get; set; }
        public string? CancellationComment { get; set; }

        public GraphStoredEvent Snapshot() =>
            new((string)Body["id"]!, Mailbox, TransactionId, Body.DeepClone().AsObject(), Patches, (bool?)Body["isCancelled"] == true, CancellationComment);
    }
}

/// <summary>One request as the stand-in received it.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="PathAndQuery">The path and query string, as sent.</param>
/// <param name="Headers">The headers, multiple values joined by commas.</param>
/// <param name="Prefer">Each <c>Prefer</c> header value.</param>
/// <param name="Body">The body, verbatim.</param>
public sealed record GraphRecordedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, IReadOnlyList<string> Prefer, string Body)
{
    /// <summary>Its place among everything the stand-in received and sent (<see cref="GraphOutboundCall.Sequence"/>).</summary>
    public int Sequence { get; init; }

    /// <summary>The stand-in's status code (0 until answered).</summary>
    public int ResponseStatus { get; init; }

    /// <summary>The stand-in's answer, verbatim.</summary>
    public string ResponseBody { get; init; } = string.Empty;

    /// <summary>The body parsed, or <see langword="null"/> when empty.</summary>
    public JsonObject? Json => string.IsNullOrEmpty(Body) ? null : JsonNode.Parse(Body)!.AsObject();

    /// <summary>A header's value, or <see langword="null"/>.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>An event as the stand-in holds it.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Mailbox">The organiser mailbox.</param>
/// <param name="TransactionId">The <c>transactionId</c> it was created with.</param>
/// <param name="Body">Its JSON.</param>
/// <param name="Patches">How many PATCHes it received.</param>
/// <param name="Cancelled">Whether it was cancelled.</param>
/// <param name="CancellationComment">The comment sent with the cancellation.</param>
public sealed record GraphStoredEvent(string Id, string Mailbox, string? TransactionId, JsonObject Body, int Patches, bool Cancelled, string? CancellationComment)
{
    /// <summary>The attendees' addresses.</summary>
    public IReadOnlyList<string> AttendeeAddresses => [.. (Body["attendees"]?.AsArray() ?? []).Select(a => (string)a!["emailAddress"]!["address"]!)];
}
