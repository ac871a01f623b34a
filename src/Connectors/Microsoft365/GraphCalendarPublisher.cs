using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using IntegrationHub.Plugins.Calendars;
using IntegrationHub.Plugins.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Graph;
using Microsoft.Graph.Models;
using Microsoft.Graph.Models.ODataErrors;
using Microsoft.Graph.Users.Item.Events.Item.Cancel;

namespace IntegrationHub.Connectors.Microsoft365;

/// <summary>
/// One event per session in the organiser mailbox's calendar (INTEGRATIONS.md §1.2–§1.4): created with a
/// <c>transactionId</c> so a retried POST does not duplicate it, PATCHed on change, cancelled with a comment, and read
/// back for the attendees' answers. Every request asks for immutable ids and Paris times.
/// </summary>
internal sealed partial class GraphCalendarPublisher(
    Microsoft365Settings settings, GraphServiceClient graph, TimeProvider time, ILogger<GraphCalendarPublisher> logger)
    : ICalendarPublisher, ICalendarChangeNotifications, ICalendarBatchReader
{
    /// <summary>JSON batching: at most 20 requests per batch (INTEGRATIONS.md §1.6).</summary>
    internal const int MaxBatchSteps = 20;

    /// <summary>A batch is sent at most this many times: once, then again for its throttled steps.</summary>
    private const int MaxBatchRounds = 3;

    /// <summary>The longest wait for a throttled step; beyond it the step is reported transient, the next poll reads it.</summary>
    private static readonly TimeSpan MaxBatchWait = TimeSpan.FromSeconds(30);

    internal const string TimeZone = "Europe/Paris";

    /// <summary>
    /// Outlook event subscriptions without resource data: 4230 minutes in the v1.0 reference, 10,080 in the current
    /// overview (INTEGRATIONS.md §1.4). The shorter one is valid under both.
    /// </summary>
    internal static readonly TimeSpan SubscriptionLifetime = TimeSpan.FromMinutes(4230);

    public TimeSpan MaxSubscriptionLifetime => SubscriptionLifetime;

    /// <summary>The resource watched: every event of the organiser mailbox (one subscription per mailbox, not per event).</summary>
    internal string SubscriptionResource => $"users/{settings.OrganizerMailbox}/events";
    private const string DateTimeFormat = "yyyy-MM-dd'T'HH:mm:ss";
    private const string TeamsJoinPath = "teams.microsoft.com/l/meetup-join";
    private const string TeamsRule = "________________";

    public async Task<DeliveryReceipt> PublishAsync(CalendarEventRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var attendees = Attendees(request.Attendees);
        var created = request.ProviderEventId is null;
        var result = await RunAsync(created ? "create event" : "update event", async () =>
        {
            var events = graph.Users[settings.OrganizerMailbox].Events;
            if (request.ProviderEventId is not { } eventId)
            {
                var body = Content(request);
                body.Attendees = attendees;
                body.ResponseRequested = true;
                body.AllowNewTimeProposals = false;
                body.TransactionId = TransactionIdOf(request.IdempotencyKey);
                if (request.OnlineMeeting)
                {
                    body.IsOnlineMeeting = true;
                    body.OnlineMeetingProvider = OnlineMeetingProviderType.TeamsForBusiness;
                }

                return await events.PostAsync(body, rc => GraphClients.AddPreferHeaders(rc.Headers), cancellationToken);
            }

            var existing = await events[eventId].GetAsync(
                rc =>
                {
                    rc.QueryParameters.Select = ["subject", "body", "start", "end", "location", "attendees", "isOnlineMeeting", "onlineMeeting"];
                    GraphClients.AddPreferHeaders(rc.Headers);
                },
                cancellationToken) ?? throw new PermanentDeliveryException($"Graph returned no event {eventId}.");
            return await events[eventId].PatchAsync(Patch(existing, request, attendees), rc => GraphClients.AddPreferHeaders(rc.Headers), cancellationToken);
        }, cancellationToken) ?? throw new PermanentDeliveryException("Graph returned no event.");

        LogPublished(logger, created ? "Created" : "Updated", result.Id, settings.OrganizerMailbox, attendees.Count);
        return new DeliveryReceipt(
            result.Id ?? throw new PermanentDeliveryException("Graph returned an event without id."),
            JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["id"] = result.Id,
                ["iCalUId"] = result.ICalUId,
                ["webLink"] = result.WebLink,
                ["transactionId"] = result.TransactionId,
                ["joinUrl"] = result.OnlineMeeting?.JoinUrl,
                ["attendees"] = result.Attendees?.Count ?? attendees.Count,
            }));
    }

    public async Task CancelAsync(string providerEventId, string comment, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(providerEventId);
        try
        {
            await RunAsync("cancel event", async () =>
            {
                await graph.Users[settings.OrganizerMailbox].Events[providerEventId].Cancel.PostAsync(
                    new CancelPostRequestBody { Comment = comment },
                    rc => GraphClients.AddPreferHeaders(rc.Headers),
                    cancellationToken);
                return true;
            }, cancellationToken);
            LogCancelled(logger, providerEventId, settings.OrganizerMailbox);
        }
        catch (PermanentDeliveryException e) when (e.InnerException is ODataError { ResponseStatusCode: 404 })
        {
            // Already deleted by someone in Outlook: the attendees were told then; nothing left to cancel.
            LogAlreadyGone(logger, providerEventId, settings.OrganizerMailbox);
        }
    }

    public async Task<IReadOnlyList<AttendeeAnswer>> ReadAnswersAsync(string providerEventId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(providerEventId);
        var found = await RunAsync("read answers", () => graph.Users[settings.OrganizerMailbox].Events[providerEventId].GetAsync(
            rc =>
            {
                rc.QueryParameters.Select = ["attendees", "iCalUId"];
                GraphClients.AddPreferHeaders(rc.Headers);
            },
            cancellationToken), cancellationToken);
        return AnswersOf(found);
    }

    /// <summary>
    /// <c>POST /subscriptions</c> (INTEGRATIONS.md §1.4): Graph calls the notification URL with a <c>validationToken</c>
    /// before it answers, so the hub's endpoint must already be reachable.
    /// </summary>
    public async Task<CalendarSubscription> SubscribeAsync(CalendarSubscriptionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var created = await RunAsync("create subscription", () => graph.Subscriptions.PostAsync(
            new Subscription
            {
                ChangeType = "updated",
                NotificationUrl = request.NotificationUrl.AbsoluteUri,
                Resource = SubscriptionResource,
                ExpirationDateTime = request.ExpiresAt,
                ClientState = request.ClientState,
            },
            rc => GraphClients.AddPreferHeaders(rc.Headers),
            cancellationToken), cancellationToken) ?? throw new PermanentDeliveryException("Graph returned no subscription.");
        LogSubscribed(logger, created.Id, SubscriptionResource, created.ExpirationDateTime);
        return new CalendarSubscription(
            created.Id ?? throw new PermanentDeliveryException("Graph returned a subscription without id."),
            created.Resource ?? SubscriptionResource,
            created.ExpirationDateTime ?? request.ExpiresAt);
    }

    public async Task<DateTimeOffset> RenewAsync(string subscriptionId, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subscriptionId);
        var renewed = await RunAsync("renew subscription", () => graph.Subscriptions[subscriptionId].PatchAsync(
            new Subscription { ExpirationDateTime = expiresAt },
            cancellationToken: cancellationToken), cancellationToken);
        return renewed?.ExpirationDateTime ?? expiresAt;
    }

    /// <summary>
    /// Reads several events' answers with JSON batching (<c>POST /$batch</c>, 20 steps per batch). The batch answers
    /// 200 even when a step is throttled and the SDK does not retry steps (INTEGRATIONS.md §1.6): the throttled steps
    /// (429, 503, 504) are sent again in a new batch after their <c>Retry-After</c>, twice at most.
    /// </summary>
    public async Task<IReadOnlyList<CalendarEventAnswers>> ReadAnswersAsync(IReadOnlyList<string> providerEventIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(providerEventIds);
        var ids = providerEventIds.Where(id => !string.IsNullOrWhiteSpace(id)).Distinct(StringComparer.Ordinal).ToList();
        var results = new Dictionary<string, CalendarEventAnswers>(StringComparer.Ordinal);
        if (ids.Count == 0)
        {
            return [];
        }

        var (batch, eventOfStep) = await BatchOfAsync(ids);
        for (var round = 1; ; round++)
        {
            var current = batch;
            var response = await RunAsync("read answers (batch)", () => graph.Batch.PostAsync(current, cancellationToken), cancellationToken);
            var throttled = new List<string>();
            var wait = TimeSpan.Zero;
            foreach (var (step, status) in await response.GetResponsesStatusCodesAsync())
            {
                var eventId = eventOfStep[step];
                if ((int)status is >= 200 and < 300)
                {
                    results[eventId] = new CalendarEventAnswers(eventId, AnswersOf(await response.GetResponseByIdAsync<Event>(step)));
                    continue;
                }

                var transient = (int)status is 429 or 503 or 504;
                results[eventId] = new CalendarEventAnswers(
                    eventId, null, string.Create(CultureInfo.InvariantCulture, $"Graph read answers (batch step) failed with {(int)status}."), transient);
                if (transient)
                {
                    throttled.Add(eventId);
                    using var message = await response.GetResponseByIdAsync(step);
                    wait = Max(wait, RetryAfterOf(message) ?? TimeSpan.FromSeconds(1));
                }
            }

            if (throttled.Count == 0 || round == MaxBatchRounds)
            {
                break;
            }

            LogBatchThrottled(logger, throttled.Count, wait);
            await Task.Delay(wait < MaxBatchWait ? wait : MaxBatchWait, time, cancellationToken);
            // A new batch of the throttled steps (NewBatchWithFailedRequests would give them new ids to map back).
            (batch, eventOfStep) = await BatchOfAsync(throttled);
        }

        return [.. ids.Select(id => results.TryGetValue(id, out var read) ? read : new CalendarEventAnswers(id, null, "Graph returned no response for this step.", true))];
    }

    /// <summary>A batch reading each event's attendees (split by the SDK into batches of 20), and the event of each step id.</summary>
    private async Task<(BatchRequestContentCollection Batch, Dictionary<string, string> EventOfStep)> BatchOfAsync(IEnumerable<string> eventIds)
    {
        var batch = new BatchRequestContentCollection(graph, MaxBatchSteps);
        var eventOfStep = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var id in eventIds)
        {
            var step = graph.Users[settings.OrganizerMailbox].Events[id].ToGetRequestInformation(rc =>
            {
                rc.QueryParameters.Select = ["attendees", "iCalUId"];
                GraphClients.AddPreferHeaders(rc.Headers);
            });
            eventOfStep[await batch.AddBatchRequestStepAsync(step)] = id;
        }

        return (batch, eventOfStep);
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static TimeSpan? RetryAfterOf(HttpResponseMessage message) =>
        message.Headers.RetryAfter?.Delta
        ?? (message.Headers.TryGetValues("Retry-After", out var values)
            && int.TryParse(values.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
                ? TimeSpan.FromSeconds(seconds)
                : null);

    private static List<AttendeeAnswer> AnswersOf(Event? found) =>
        [.. (found?.Attendees ?? [])
            .Where(a => !string.IsNullOrWhiteSpace(a.EmailAddress?.Address))
            .Select(a => new AttendeeAnswer(
                a.EmailAddress!.Address!,
                ResponseOf(a.Status?.Response),
                a.Status?.Response is ResponseType.Accepted or ResponseType.Declined or ResponseType.TentativelyAccepted
                    && a.Status.Time is { } time && time.Year > 1 ? time : null))];

    /// <summary>
    /// A deterministic <c>transactionId</c> for an idempotency key: the key itself when short and plain, otherwise a hash.
    /// </summary>
    internal static string TransactionIdOf(string idempotencyKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idempotencyKey);
        return PlainKey().IsMatch(idempotencyKey)
            ? idempotencyKey
            : "hub-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)))[..40];
    }

    internal static string ResponseOf(ResponseType? response) => response switch
    {
        ResponseType.Accepted => "accepted",
        ResponseType.Declined => "declined",
        ResponseType.TentativelyAccepted => "tentativelyAccepted",
        _ => "none",
    };

    private static Event Content(CalendarEventRequest request)
    {
        var invitation = request.Invitation;
        return new Event
        {
            Subject = invitation.Summary,
            Body = new ItemBody { ContentType = BodyType.Html, Content = request.HtmlBody },
            Start = new DateTimeTimeZone { DateTime = invitation.Start.ToString(DateTimeFormat, CultureInfo.InvariantCulture), TimeZone = TimeZoneOf(invitation) },
            End = new DateTimeTimeZone { DateTime = invitation.End.ToString(DateTimeFormat, CultureInfo.InvariantCulture), TimeZone = TimeZoneOf(invitation) },
            Location = new Location { DisplayName = invitation.Location },
        };
    }

    private static string TimeZoneOf(CalendarInvitation invitation) =>
        string.IsNullOrWhiteSpace(invitation.TimeZoneId) ? TimeZone : invitation.TimeZoneId;

    /// <summary>
    /// The PATCH body. When only the attendees changed (same subject, times, place and body text), only <c>attendees</c> is sent, so Exchange tells only the added
    /// and removed members. Otherwise the whole content goes; for an online meeting the body is our new body followed by
    /// the Teams join blob Exchange put in the current one (INTEGRATIONS.md §1.2: removing it disables the meeting), or
    /// is left out when that blob cannot be found.
    /// </summary>
    private Event Patch(Event existing, CalendarEventRequest request, List<Attendee> attendees)
    {
        var wanted = Content(request);
        var contentChanged = !string.Equals(existing.Subject, wanted.Subject, StringComparison.Ordinal)
            || !SameTime(existing.Start, wanted.Start)
            || !SameTime(existing.End, wanted.End)
            || !string.Equals(existing.Location?.DisplayName ?? string.Empty, wanted.Location?.DisplayName ?? string.Empty, StringComparison.Ordinal)
            || !string.Equals(VisibleText(WithoutBlob(existing.Body?.Content)), VisibleText(request.HtmlBody), StringComparison.Ordinal);
        var attendeesChanged = !AddressesOf(existing.Attendees).SetEquals(AddressesOf(attendees));
        if (attendeesChanged && !contentChanged)
        {
            return new Event { Attendees = attendees };
        }

        wanted.Attendees = attendees;
        if (existing.IsOnlineMeeting is true)
        {
            if (TeamsBlob(existing.Body?.Content) is { } blob)
            {
                wanted.Body!.Content = WithBlob(request.HtmlBody, blob);
            }
            else
            {
                LogNoTeamsBlob(logger, existing.Id);
                wanted.Body = null;
            }
        }
        else if (request.OnlineMeeting)
        {
            // Became hybrid after the event was created: Exchange adds the meeting and its blob.
            wanted.IsOnlineMeeting = true;
            wanted.OnlineMeetingProvider = OnlineMeetingProviderType.TeamsForBusiness;
        }

        return wanted;
    }

    /// <summary>
    /// The Teams join blob of an online meeting's body: from the <c>&lt;div&gt;</c> holding the rule of underscores that
    /// opens it, before the first join link, to the end of the body.
    /// </summary>
    internal static string? TeamsBlob(string? html)
    {
        if (string.IsNullOrEmpty(html))
        {
            return null;
        }

        var link = html.IndexOf(TeamsJoinPath, StringComparison.OrdinalIgnoreCase);
        var rule = link < 0 ? -1 : html.LastIndexOf(TeamsRule, link, StringComparison.Ordinal);
        if (rule < 0)
        {
            return null;
        }

        var start = html.LastIndexOf("<div", rule, StringComparison.OrdinalIgnoreCase) is var div and >= 0 ? div : rule;
        var end = html.LastIndexOf("</body>", StringComparison.OrdinalIgnoreCase) is var close and >= 0 && close > start ? close : html.Length;
        return html[start..end];
    }

    private static string? WithoutBlob(string? html) =>
        TeamsBlob(html) is { } blob ? html!.Replace(blob, string.Empty, StringComparison.Ordinal) : html;

    /// <summary>
    /// What a reader sees of an HTML body: Exchange rewrites the HTML it stores (head, attributes, entities), so bodies are
    /// compared on their text, without the head, tags and spacing differences.
    /// </summary>
    internal static string VisibleText(string? html)
    {
        if (string.IsNullOrEmpty(html))
        {
            return string.Empty;
        }

        var text = Tags().Replace(HeadAndStyle().Replace(html, " "), " ");
        return Spaces().Replace(System.Net.WebUtility.HtmlDecode(text).Replace('\u00A0', ' ').Replace('\u202F', ' '), " ").Trim();
    }

    internal static string WithBlob(string html, string blob)
    {
        var close = html.LastIndexOf("</body>", StringComparison.OrdinalIgnoreCase);
        return close < 0 ? html + blob : html[..close] + blob + html[close..];
    }

    private static HashSet<string> AddressesOf(IEnumerable<Attendee>? attendees) =>
        new((attendees ?? []).Select(a => a.EmailAddress?.Address ?? string.Empty), StringComparer.OrdinalIgnoreCase);

    private static bool SameTime(DateTimeTimeZone? existing, DateTimeTimeZone? wanted) =>
        existing?.DateTime is { } a && wanted?.DateTime is { } b
        && DateTime.TryParse(a, CultureInfo.InvariantCulture, DateTimeStyles.None, out var x)
        && DateTime.TryParse(b, CultureInfo.InvariantCulture, DateTimeStyles.None, out var y)
        && x == y
        && string.Equals(existing.TimeZone, wanted.TimeZone, StringComparison.OrdinalIgnoreCase);

    private List<Attendee> Attendees(IReadOnlyList<IntegrationHub.Plugins.Channels.Recipient> recipients)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var attendees = new List<Attendee>();
        foreach (var recipient in recipients)
        {
            var address = recipient.M365Upn ?? recipient.Email;
            if (string.IsNullOrWhiteSpace(address))
            {
                LogNoAddress(logger, recipient.DisplayName);
                continue;
            }

            if (seen.Add(address.Trim()))
            {
                attendees.Add(new Attendee
                {
                    EmailAddress = new EmailAddress { Address = address.Trim(), Name = recipient.DisplayName },
                    Type = AttendeeType.Required,
                });
            }
        }

        return attendees;
    }

    private static async Task<T> RunAsync<T>(string operation, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (GraphFailures.Classify(e, operation) is not null)
        {
            throw GraphFailures.Classify(e, operation)!;
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,64}$")]
    private static partial Regex PlainKey();

    [GeneratedRegex("<(head|style|script)\\b.*?</\\1\\s*>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex HeadAndStyle();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();

    [GeneratedRegex("\\s+")]
    private static partial Regex Spaces();

    [LoggerMessage(Level = LogLevel.Information, Message = "{Action} calendar event {EventId} in {Mailbox} with {Count} attendees")]
    private static partial void LogPublished(ILogger logger, string action, string? eventId, string mailbox, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} batch steps throttled by Graph; sending them again in {Wait}")]
    private static partial void LogBatchThrottled(ILogger logger, int count, TimeSpan wait);

    [LoggerMessage(Level = LogLevel.Information, Message = "Subscribed ({SubscriptionId}) to changes of {Resource} until {ExpiresAt}")]
    private static partial void LogSubscribed(ILogger logger, string? subscriptionId, string resource, DateTimeOffset? expiresAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cancelled calendar event {EventId} in {Mailbox}")]
    private static partial void LogCancelled(ILogger logger, string eventId, string mailbox);

    [LoggerMessage(Level = LogLevel.Information, Message = "Calendar event {EventId} in {Mailbox} was already gone; nothing to cancel")]
    private static partial void LogAlreadyGone(ILogger logger, string eventId, string mailbox);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No Teams join blob found in the body of online meeting {EventId}: its body is left as it is")]
    private static partial void LogNoTeamsBlob(ILogger logger, string? eventId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Attendee {Name} has neither a Microsoft 365 UPN nor an email address; left out of the event")]
    private static partial void LogNoAddress(ILogger logger, string name);
}
