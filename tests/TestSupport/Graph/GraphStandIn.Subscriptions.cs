using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace IntegrationHub.TestSupport.Graph;

/// <summary>
/// Change notifications as Graph does them (INTEGRATIONS.md §1.4): <c>POST /subscriptions</c> validates the
/// notification URL with a <c>validationToken</c> handshake before it answers 201, <c>PATCH /subscriptions/{id}</c>
/// extends one, and <see cref="NotifyChangeAsync"/> posts a notification to the subscribers of an event's mailbox.
/// </summary>
public sealed partial class GraphStandIn
{
    /// <summary>Outlook event subscriptions (v1.0 reference): at most 4230 minutes ahead.</summary>
    public static readonly TimeSpan MaxSubscriptionLifetime = TimeSpan.FromMinutes(4230);

    private readonly Dictionary<string, StoredSubscription> _subscriptions = new(StringComparer.Ordinal);
    private readonly List<GraphOutboundCall> _calls = [];
    private readonly HttpClient _outbound = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>
    /// How Graph reaches the hub's notification URL. <see langword="null"/>: the URL itself. Otherwise this client (for
    /// example the hub test host's), given the URL's path and query: the public reverse proxy in front of the hub.
    /// </summary>
    public HttpClient? NotificationClient { get; set; }

    /// <summary>The stand-in's clock for subscription expiry (the hub's clock in hub tests).</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>The subscriptions, in creation order.</summary>
    public IReadOnlyList<GraphStoredSubscription> Subscriptions
    {
        get
        {
            lock (_gate)
            {
                return [.. _subscriptions.Values.OrderBy(s => s.Order).Select(s => s.Snapshot())];
            }
        }
    }

    /// <summary>What the stand-in posted to notification URLs (handshakes and notifications), in order.</summary>
    public IReadOnlyList<GraphOutboundCall> OutboundCalls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>
    /// Posts a basic change notification (<c>changeType</c> updated, no resource data) for <paramref name="eventId"/> to
    /// every subscription watching its mailbox, with the subscription's clientState unless <paramref name="clientState"/> forges one.
    /// </summary>
    /// <returns>The hub's status code per subscription notified.</returns>
    public async Task<IReadOnlyList<int>> NotifyChangeAsync(string eventId, string? clientState = null)
    {
        List<(StoredSubscription Subscription, string Mailbox)> targets;
        lock (_gate)
        {
            var stored = _events[eventId];
            targets = [.. _subscriptions.Values.Where(s => s.Mailbox.Equals(stored.Mailbox, StringComparison.OrdinalIgnoreCase)).Select(s => (s, stored.Mailbox))];
        }
        var statuses = new List<int>();
        foreach (var (subscription, mailbox) in targets)
        {
            var notification = new JsonObject
            {
                ["value"] = new JsonArray(new JsonObject
                {
                    ["subscriptionId"] = subscription.Id,
                    ["subscriptionExpirationDateTime"] = Instant(subscription.ExpiresAt),
                    ["changeType"] = "updated",
                    ["resource"] = $"Users/{mailbox}/Events/{eventId}",
                    ["resourceData"] = new JsonObject
                    {
                        ["@odata.type"] = "#Microsoft.Graph.Event",
                        ["@odata.id"] = $"Users/{mailbox}/Events/{eventId}",
                        ["@odata.etag"] = "W/\"DwAAABYAAADG\"",
                        ["id"] = eventId,
                    },
                    ["clientState"] = clientState ?? subscription.ClientState,
                    ["tenantId"] = "8f5c2a7e-1d3b-4c6a-9e0f-2b4d6a8c0e12",
                }),
            };
            var (status, _) = await PostToHubAsync(new Uri(subscription.NotificationUrl), notification.ToJsonString(), "application/json");
            statuses.Add(status);
        }
        return statuses;
    }

    private void MapSubscriptionRoutes()
    {
        _app.MapPost("/v1.0/subscriptions", (Func<HttpContext, Task<IResult>>)(c => HandleAsync(c, null, CreateSubscriptionAsync)));
        _app.MapMethods("/v1.0/subscriptions/{id}", ["PATCH"], (HttpContext c, string id) => HandleAsync(c, null, body =>
        {
            lock (_gate)
            {
                return Task.FromResult(RenewSubscription(id, body));
            }
        }));
    }

    private async Task<IResult> CreateSubscriptionAsync(string text)
    {
        var body = JsonNode.Parse(text)!.AsObject();
        var resource = ((string?)body["resource"] ?? string.Empty).TrimStart('/');
        var segments = resource.Split('/');
        var notificationUrl = (string?)body["notificationUrl"];
        var clientState = (string?)body["clientState"];
        if (segments is not ["users", var mailbox, "events"] || !_mailboxes.Contains(mailbox))
        {
            return Error(HttpStatusCode.BadRequest, "InvalidRequest", $"Resource '{resource}' is not supported.");
        }

        if ((string?)body["changeType"] is not { Length: > 0 } changeType
            || changeType.Split(',').Any(t => t is not ("created" or "updated" or "deleted")))
        {
            return Error(HttpStatusCode.BadRequest, "InvalidRequest", "ChangeType must be created, updated or deleted.");
        }

        if (clientState is { Length: > 128 })
        {
            return Error(HttpStatusCode.BadRequest, "InvalidRequest", "clientState must be at most 128 characters.");
        }

        if (ExpiryError(body) is { } expiryError)
        {
            return expiryError;
        }

        if (!Uri.TryCreate(notificationUrl, UriKind.Absolute, out var url))
        {
            return Error(HttpStatusCode.BadRequest, "InvalidRequest", "notificationUrl must be an absolute URL.");
        }

        // Graph validates the URL before it creates the subscription: 200, text/plain, the token echoed, within 10 s.
        var token = "Validation: Testing client application reachability for subscription Request-Id: " + Guid.NewGuid();
        var (status, echoed) = await PostToHubAsync(new Uri(url.AbsoluteUri + (url.Query.Length == 0 ? "?" : "&") + "validationToken=" + Uri.EscapeDataString(token)), token, "text/plain");
        if (status != StatusCodes.Status200OK || echoed != token)
        {
            return Error(HttpStatusCode.BadRequest, "InvalidRequest", "Subscription validation request failed. Response must exactly match validationToken query parameter.");
        }

        lock (_gate)
        {
            var stored = new StoredSubscription(
                _subscriptions.Count + 1, Guid.NewGuid().ToString(), resource, segments[1], (string)body["changeType"]!, url.AbsoluteUri, clientState, (DateTimeOffset)ExpiryOf(body)!);
            _subscriptions[stored.Id] = stored;
            return Results.Json(stored.Json(), Json, statusCode: StatusCodes.Status201Created);
        }
    }

    // Called under _gate.
    private IResult RenewSubscription(string id, string text)
    {
        if (!_subscriptions.TryGetValue(id, out var stored))
        {
            return Error(HttpStatusCode.NotFound, "ResourceNotFound", $"The object was not found (subscription '{id}').");
        }

        var body = JsonNode.Parse(text)!.AsObject();
        if (ExpiryError(body) is { } expiryError)
        {
            return expiryError;
        }

        stored.ExpiresAt = (DateTimeOffset)ExpiryOf(body)!;
        stored.Renewals++;
        return Results.Json(stored.Json(), Json);
    }

    private static DateTimeOffset? ExpiryOf(JsonObject body) =>
        DateTimeOffset.TryParse((string?)body["expirationDateTime"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;

    private IResult? ExpiryError(JsonObject body)
    {
        var now = Clock.GetUtcNow();
        return ExpiryOf(body) switch
        {
            null => Error(HttpStatusCode.BadRequest, "InvalidRequest", "expirationDateTime is required."),
            { } at when at <= now => Error(HttpStatusCode.BadRequest, "InvalidRequest", "Subscription expiration must be in the future."),
            { } at when at > now + MaxSubscriptionLifetime => Error(HttpStatusCode.BadRequest, "InvalidRequest",
                string.Create(CultureInfo.InvariantCulture, $"Subscription expiration can only be {MaxSubscriptionLifetime.TotalMinutes} minutes in the future.")),
            _ => null,
        };
    }

    private async Task<(int Status, string Body)> PostToHubAsync(Uri url, string body, string contentType)
    {
        using var content = new StringContent(body, Encoding.UTF8, contentType);
        int sequence;
        lock (_gate)
        {
            // Numbered when sent: what the hub does in answer comes after it in the log.
            sequence = ++_sequence;
        }

        int status;
        string answer;
        try
        {
            using var response = NotificationClient is { } client
                ? await client.PostAsync(new Uri(url.PathAndQuery, UriKind.Relative), content)
                : await _outbound.PostAsync(url, content);
            status = (int)response.StatusCode;
            answer = await response.Content.ReadAsStringAsync();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            (status, answer) = (0, e.Message);
        }

        lock (_gate)
        {
            _calls.Add(new GraphOutboundCall(url.PathAndQuery, contentType, body, status, answer) { Sequence = sequence });
        }

        return (status, answer);
    }

    private static string Instant(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private sealed class StoredSubscription(int order, string id, string resource, string mailbox, string changeType, string notificationUrl, string? clientState, DateTimeOffset expiresAt)
    {
        public int Order { get; } = order;
        public string Id { get; } = id;
        public string Resource { get; } = resource;
        public string Mailbox { get; } = mailbox;
        public string ChangeType { get; } = changeType;
        public string NotificationUrl { get; } = notificationUrl;
        public string? ClientState { get; } = clientState;
        public DateTimeOffset ExpiresAt { get; set; } = expiresAt;
        public int Renewals { get; set; }

        public JsonObject Json() => new()
        {
            ["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity",
            ["id"] = Id,
            ["resource"] = Resource,
            ["applicationId"] = "3a1b5c7d-9e0f-4a2b-8c4d-6e8f0a2b4c6d",
            ["changeType"] = ChangeType,
            ["clientState"] = ClientState,
            ["notificationUrl"] = NotificationUrl,
            ["expirationDateTime"] = Instant(ExpiresAt),
            ["creatorId"] = "5d3c7e1a-2b4f-4c6d-8e0a-1b3c5d7e9f01",
            ["latestSupportedTlsVersion"] = "v1_2",
        };

        public GraphStoredSubscription Snapshot() => new(Id, Resource, ChangeType, NotificationUrl, ClientState, ExpiresAt, Renewals);
    }
}

/// <summary>A subscription as the stand-in holds it.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Resource">What it watches.</param>
/// <param name="ChangeType">The change types.</param>
/// <param name="NotificationUrl">Where notifications go.</param>
/// <param name="ClientState">The secret notifications carry.</param>
/// <param name="ExpiresAt">When it ends.</param>
/// <param name="Renewals">How many PATCHes extended it.</param>
public sealed record GraphStoredSubscription(string Id, string Resource, string ChangeType, string NotificationUrl, string? ClientState, DateTimeOffset ExpiresAt, int Renewals);

/// <summary>A POST the stand-in made to a notification URL.</summary>
/// <param name="PathAndQuery">The URL's path and query.</param>
/// <param name="ContentType">The content type sent.</param>
/// <param name="Body">The body sent.</param>
/// <param name="Status">The hub's status code (0 when unreachable).</param>
/// <param name="ResponseBody">The hub's answer.</param>
public sealed record GraphOutboundCall(string PathAndQuery, string ContentType, string Body, int Status, string ResponseBody)
{
    /// <summary>Its place among everything the stand-in received and sent (<see cref="GraphRecordedRequest.Sequence"/>).</summary>
    public int Sequence { get; init; }
}
