using System.Security.Claims;
using System.Text.Json;
using Dapper;
using Hangfire;
using IntegrationHub.Api;
using IntegrationHub.Convocations;
using IntegrationHub.Dispatch;
using IntegrationHub.Persistence;
using IntegrationHub.Plugins.Calendars;
using IntegrationHub.Plugins.Channels;
using IntegrationHub.Security;
using IntegrationHub.Sessions;

namespace IntegrationHub.Calendars;

/// <summary>What one synchronisation of a session's calendar answers did.</summary>
public sealed record CalendarSyncResult(string? EventId, int Attendees, int AnswersRecorded, int ResponsesChanged, int MembersAdded = 0, int MembersRemoved = 0);

/// <summary>
/// Reads the attendees' responses from the session's calendar event and records them: the response on the member's
/// calendar delivery, and an answer through <see cref="AnswerService"/> with source <c>outlook</c> (accepted → present,
/// declined → absent, tentativelyAccepted → tentative, which the quorum forecast counts as no answer). The latest
/// answer wins: an Outlook response older than the member's current answer is not recorded, and both stay in the history.
/// </summary>
public sealed class CalendarAnswerSync(
    HubDatabase database,
    DeliveryStore deliveries,
    CalendarPublishers publishers,
    SessionStore sessions,
    ConvocationStore convocations,
    AnswerStore answers,
    AnswerService answerService,
    IBackgroundJobClient jobs,
    ConnectorInstances.ChannelResolver channels,
    TimeProvider time,
    ILogger<CalendarAnswerSync> logger)
{
    public const string RecurringJobId = "calendar-answers";
    public const string Source = "outlook";

    public async Task<CalendarSyncResult> SyncSessionAsync(Session session, CancellationToken cancellationToken)
    {
        var calendarDeliveries = await ConvocationCalendarDeliveriesAsync(session.Id);
        var eventId = EventIdOf(calendarDeliveries);
        if (eventId is null || session.Status == SessionStatus.Cancelled
            || await publishers.ResolveAsync(session.AuthorityId, cancellationToken) is not { } publisher)
        {
            return new CalendarSyncResult(eventId, 0, 0, 0);
        }
        IReadOnlyList<AttendeeAnswer> read;
        try
        {
            read = await publisher.ReadAnswersAsync(eventId, cancellationToken);
        }
        catch (Exception ex) when (ex is PermanentDeliveryException or TransientDeliveryException)
        {
            logger.LogWarning(ex, "Could not read the calendar answers of session {SessionId}", session.Id);
            throw;
        }
        return await ApplyAsync(session, eventId, calendarDeliveries, read, cancellationToken);
    }

    /// <summary>Records what was read of the session's event: each changed response, and the answers it means.</summary>
    private async Task<CalendarSyncResult> ApplyAsync(
        Session session, string eventId, List<Delivery> calendarDeliveries, IReadOnlyList<AttendeeAnswer> read, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var attendees = await CalendarAttendee.ForSessionAsync(connection, session.Id);
        var current = await answers.ForSessionAsync(session.Id, cancellationToken);
        var (recorded, changed) = (0, 0);
        foreach (var answer in read)
        {
            var attendee = attendees.FirstOrDefault(a => string.Equals(a.Address, answer.Address, StringComparison.OrdinalIgnoreCase));
            var delivery = attendee is null ? null : calendarDeliveries.FirstOrDefault(d => d.ConvocationId == attendee.ConvocationId && d.Status == DeliveryStatus.Sent);
            if (attendee is null || delivery is null)
            {
                continue;
            }
            var response = JsonSerializer.Serialize(new { eventId, attendee = answer.Address, response = answer.Response, respondedAt = answer.RespondedAt });
            // Only a response that changed since the last read is news: an unchanged one was imported (or outdated) then.
            if (!await deliveries.RecordCalendarResponseAsync(delivery, response, $"{Source}: {answer.Response}", time.GetUtcNow()))
            {
                continue;
            }
            changed++;
            if (AttendanceOf(answer.Response) is not { } attendance)
            {
                continue;
            }
            // Latest wins: a response given in Outlook before the member's current answer does not replace it.
            var latest = current.Of(attendee.MemberId);
            if (latest is not null && (latest.Attendance == attendance || (answer.RespondedAt is { } at && at <= latest.RecordedAt)))
            {
                continue;
            }
            var convocation = (await convocations.GetAsync(attendee.ConvocationId, cancellationToken))!;
            if (await answerService.RecordAsync(session, convocation, attendance, null, false, Source, cancellationToken) is AnswerOutcome.Recorded)
            {
                recorded++;
                if (attendance == Attendance.Absent && attendee.Recipient.Email is not null)
                {
                    await OfferProxyAsync(session, convocation.Id);
                }
            }
        }
        logger.LogInformation("Calendar answers of session {SessionId}: {Recorded} answers recorded, {Changed} responses changed", session.Id, recorded, changed);
        return new CalendarSyncResult(eventId, read.Count, recorded, changed);
    }

    /// <summary>
    /// The recurring job: every sent, upcoming session with a calendar event. Where the authority's publisher reads in
    /// batches (Graph JSON batching), its sessions' events are read together.
    /// </summary>
    [AutomaticRetry(Attempts = 0)]
    public async Task SyncAllAsync(CancellationToken cancellationToken)
    {
        List<SessionOfAuthority> due;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            due = (await connection.QueryAsync<SessionOfAuthority>(
                """
                SELECT DISTINCT s.id AS Id, s.authority_id AS AuthorityId FROM sessions s JOIN deliveries d ON d.session_id = s.id
                WHERE d.channel = @calendar AND d.status = @sent AND s.status = @sessionSent AND s.starts_at > @now
                """,
                new { calendar = ChannelNames.Calendar, sent = DeliveryStatus.Sent, sessionSent = SessionStatus.Sent, now = time.GetUtcNow() })).AsList();
        }
        foreach (var authority in due.GroupBy(d => d.AuthorityId))
        {
            if (await publishers.ResolveAsync(authority.Key, cancellationToken) is ICalendarBatchReader batch)
            {
                await SyncBatchAsync(batch, authority.Select(a => a.Id), cancellationToken);
                continue;
            }
            foreach (var id in authority.Select(a => a.Id))
            {
                try
                {
                    if (await sessions.GetAsync(id, cancellationToken) is { } session)
                    {
                        await SyncSessionAsync(session, cancellationToken);
                    }
                }
                catch (Exception ex) when (ex is PermanentDeliveryException or TransientDeliveryException)
                {
                    // Logged by SyncSessionAsync; the other sessions still get theirs.
                }
            }
        }
    }

    private async Task SyncBatchAsync(ICalendarBatchReader batch, IEnumerable<Guid> sessionIds, CancellationToken cancellationToken)
    {
        var targets = new List<(Session Session, List<Delivery> Deliveries, string EventId)>();
        foreach (var id in sessionIds)
        {
            var calendarDeliveries = await ConvocationCalendarDeliveriesAsync(id);
            if (await sessions.GetAsync(id, cancellationToken) is { } session && EventIdOf(calendarDeliveries) is { } eventId)
            {
                targets.Add((session, calendarDeliveries, eventId));
            }
        }
        IReadOnlyList<CalendarEventAnswers> read;
        try
        {
            read = await batch.ReadAnswersAsync([.. targets.Select(t => t.EventId)], cancellationToken);
        }
        catch (Exception ex) when (ex is PermanentDeliveryException or TransientDeliveryException)
        {
            logger.LogWarning(ex, "Could not read the calendar answers of {Count} sessions in a batch", targets.Count);
            return;
        }
        foreach (var (session, calendarDeliveries, eventId) in targets)
        {
            if (read.FirstOrDefault(r => r.ProviderEventId == eventId) is { Answers: { } answersRead })
            {
                await ApplyAsync(session, eventId, calendarDeliveries, answersRead, cancellationToken);
            }
            else
            {
                logger.LogWarning("Could not read the calendar answers of session {SessionId}: {Failure}", session.Id,
                    read.FirstOrDefault(r => r.ProviderEventId == eventId)?.Failure ?? "no result");
            }
        }
    }

    private static string? EventIdOf(List<Delivery> calendarDeliveries) =>
        calendarDeliveries.Select(d => d.ProviderMessageId).FirstOrDefault(id => id is not null);

    private sealed class SessionOfAuthority
    {
        public Guid Id { get; set; }
        public Guid AuthorityId { get; set; }
    }

    /// <summary>A change notification named this session's event: read its answers now (polling catches up on failure).</summary>
    [AutomaticRetry(Attempts = 0)]
    public async Task SyncNotifiedAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        if (await sessions.GetAsync(sessionId, cancellationToken) is not { Status: SessionStatus.Sent } session)
        {
            return;
        }
        try
        {
            await SyncSessionAsync(session, cancellationToken);
        }
        catch (Exception ex) when (ex is PermanentDeliveryException or TransientDeliveryException)
        {
            // Logged by SyncSessionAsync; the recurring job reads it again.
        }
    }

    /// <summary>A member who declined is offered, by email, to give a proxy (their answer link); through the outbox.</summary>
    private async Task OfferProxyAsync(Session session, Guid convocationId)
    {
        // The email channel the member was convened by (the authority's own email connector, or the hub's default).
        var channel = ChannelNames.Email;
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        {
            foreach (var used in await connection.QueryAsync<string>(
                "SELECT DISTINCT channel FROM deliveries WHERE convocation_id = @convocationId AND purpose = @convocation",
                new { convocationId, convocation = DeliveryPurpose.Convocation }))
            {
                if (await channels.AddressOfAsync(session.AuthorityId, used, CancellationToken.None) == Plugins.Connectors.RecipientAddress.Email)
                {
                    channel = used;
                    break;
                }
            }
        }
        var delivery = Delivery.Pending(session, convocationId, channel, DeliveryPurpose.ProxyOffer, time.GetUtcNow());
        await database.InTransactionAsync((connection, transaction) => deliveries.InsertAsync(connection, transaction, delivery), CancellationToken.None);
        jobs.Enqueue<DeliveryJob>(j => j.RunAsync(delivery.Id, CancellationToken.None));
    }

    internal static string? AttendanceOf(string response) => response switch
    {
        "accepted" => Attendance.Present,
        "declined" => Attendance.Absent,
        "tentativelyAccepted" => Attendance.Tentative,
        _ => null,
    };

    private async Task<List<Delivery>> ConvocationCalendarDeliveriesAsync(Guid sessionId)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        return (await connection.QueryAsync<Delivery>(
            $"SELECT {DeliveryStore.Columns} FROM deliveries WHERE session_id = @sessionId AND channel = @calendar AND purpose = @convocation",
            new { sessionId, calendar = ChannelNames.Calendar, convocation = DeliveryPurpose.Convocation })).AsList();
    }
}

public static class CalendarEndpoints
{
    /// <summary>Graph's notifications are small; anything larger is not one.</summary>
    private const long MaxNotificationBytes = 1024 * 1024;

    /// <summary>Graph's handshake tokens are short opaque strings; a longer one is not Graph's.</summary>
    private const int MaxValidationTokenLength = 1024;

    public static void MapCalendarEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/sessions/{sessionId:guid}/calendar/sync", SyncAsync).WithTags("Convocations").RequireAuthorization(HubPolicies.Write);
        // Anonymous (Graph carries no credential the hub could check): a notification is verified by its clientState.
        app.MapPost(CalendarSubscriptions.NotificationPath, NotifyAsync).ExcludeFromDescription().DisableAntiforgery().AllowAnonymous();
    }

    /// <summary>
    /// Microsoft Graph change notifications (INTEGRATIONS.md §1.4). With <c>validationToken</c> it is the subscription
    /// handshake: answer 200 with the decoded token as <c>text/plain</c>, within 10 s. Otherwise a batch of
    /// notifications: answer 202 within 3 s after enqueuing the syncs (the work runs in the background); 403 when none
    /// of them carried a valid clientState.
    /// </summary>
    private static async Task<IResult> NotifyAsync(HttpRequest request, CalendarSubscriptions subscriptions, CancellationToken cancellationToken)
    {
        if (request.Query.TryGetValue("validationToken", out var token))
        {
            // Anyone may call this anonymous endpoint: the echo is bounded, and never sniffed into HTML by a browser.
            if (token.ToString().Length > MaxValidationTokenLength)
            {
                return Results.StatusCode(StatusCodes.Status400BadRequest);
            }
            request.HttpContext.Response.Headers.XContentTypeOptions = "nosniff";
            // The query string is already URL-decoded, as Graph expects the echo to be.
            return Results.Text(token.ToString(), "text/plain", System.Text.Encoding.UTF8, StatusCodes.Status200OK);
        }
        if (request.ContentLength is > MaxNotificationBytes)
        {
            return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
        }
        JsonDocument payload;
        try
        {
            payload = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException)
        {
            return Results.BadRequest();
        }
        using var document = payload;
        var outcome = await subscriptions.AcceptAsync(document.RootElement, cancellationToken);
        return outcome.Accepted == 0 && outcome.Rejected > 0 ? Results.StatusCode(StatusCodes.Status403Forbidden) : Results.Accepted();
    }

    /// <summary>
    /// « Actualiser les réponses »: puts the members in office on the event (and takes off those who left), then reads
    /// the calendar answers now.
    /// </summary>
    private static async Task<IResult> SyncAsync(
        Guid sessionId, ClaimsPrincipal user, SessionStore sessions, CalendarAnswerSync sync, CalendarAttendeeReconciler reconciler, CancellationToken cancellationToken)
    {
        if (await sessions.GetVisibleAsync(sessionId, user, cancellationToken) is not { } session)
        {
            return AccessGuard.SessionNotFound(sessionId);
        }
        try
        {
            var reconciled = await reconciler.ReconcileAsync(session, cancellationToken);
            var result = await sync.SyncSessionAsync(session, cancellationToken);
            return Results.Ok(result with { MembersAdded = reconciled.Added, MembersRemoved = reconciled.Removed });
        }
        catch (TransientDeliveryException)
        {
            return Results.Problem(
                type: Problems.TypeBase + "calendar-unavailable", title: "Service d'agenda indisponible",
                detail: "Le service d'agenda ne répond pas pour le moment\u00A0: réessayez dans quelques minutes.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        catch (PermanentDeliveryException ex)
        {
            return Problems.Unprocessable("calendar-refused", "Lecture des réponses impossible", $"Le service d'agenda a refusé la lecture des réponses\u00A0: {ex.Message}");
        }
    }
}

/// <summary>Registers the recurring read of calendar answers at start-up.</summary>
public sealed class CalendarAnswerSchedule(IRecurringJobManager jobs) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        jobs.AddOrUpdate<CalendarAnswerSync>(CalendarAnswerSync.RecurringJobId, s => s.SyncAllAsync(CancellationToken.None), "*/15 * * * *");
        // Renewal at half a subscription's lifetime (about 35 h): hourly is ample.
        jobs.AddOrUpdate<CalendarSubscriptions>(CalendarSubscriptions.RecurringJobId, s => s.RenewAsync(CancellationToken.None), "7 * * * *");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
