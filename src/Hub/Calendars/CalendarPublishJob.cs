using System.Text.Json;
using Dapper;
using Hangfire;
using IntegrationHub.Assemblies;
using IntegrationHub.Authorities;
using IntegrationHub.Dispatch;
using IntegrationHub.Hosting;
using IntegrationHub.Persistence;
using IntegrationHub.Plugins.Calendars;
using IntegrationHub.Plugins.Channels;
using IntegrationHub.Sessions;
using IntegrationHub.Text;
using Microsoft.Extensions.Options;

namespace IntegrationHub.Calendars;

/// <summary>
/// Publishes a session's calendar event (one per session, every convened member with a calendar delivery as attendee)
/// and settles the session's pending <c>calendar</c> deliveries with its id. Takes a session id and reads current
/// state; runs again harmlessly: the rows are claimed as the outbox's, and Graph's <c>transactionId</c> (session and
/// version) makes a repeated creation return the same event.
/// </summary>
public sealed class CalendarPublishJob(
    HubDatabase database,
    DeliveryStore deliveries,
    CalendarPublishers publishers,
    SessionStore sessions,
    AuthorityStore authorities,
    AssemblyStore assemblies,
    IBackgroundJobClient jobs,
    TimeProvider time,
    IOptions<HubOptions> options,
    ILogger<CalendarPublishJob> logger)
{
    [AutomaticRetry(Attempts = 0)]
    public async Task RunAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        var dispatch = options.Value.Dispatch;
        var claimed = await ClaimAsync(sessionId, time.GetUtcNow(), dispatch.ClaimTimeout, cancellationToken);
        if (claimed.Count > 0)
        {
            await PublishAsync(sessionId, claimed, dispatch, cancellationToken);
        }
        await PutBackForWaitingRowsAsync(sessionId, [.. claimed.Select(d => d.Id)]);
    }

    /// <summary>
    /// Claims every calendar row of the session that is due (or held by a worker stopped longer than
    /// <paramref name="claimTimeout"/>), in one statement and at one instant, with the conditions of
    /// <see cref="DeliveryStore.TryClaimAsync"/>. Claimed row by row, two jobs of the same session (a dispatch enqueues
    /// one per batch holding a calendar row) could each take one row and publish without the other's attempt being
    /// counted (seen in a loop of the throttling test), and a job reading the clock once per row could take the second
    /// row and not the first.
    /// </summary>
    private async Task<IReadOnlyList<Delivery>> ClaimAsync(Guid sessionId, DateTimeOffset now, TimeSpan claimTimeout, CancellationToken cancellationToken)
    {
        var (output, returning) = database.Provider == DatabaseProvider.SqlServer ? ("OUTPUT inserted.id", "") : ("", "RETURNING id");
        var ids = await database.InTransactionAsync(async (connection, transaction) => (await connection.QueryAsync<Guid>(
            $"""
            UPDATE deliveries SET status = @sending, claimed_at = @now, attempts = attempts + 1, updated_at = @now
            {output}
            WHERE session_id = @sessionId AND channel = @calendar AND (
                (status = @pending AND (next_attempt_at IS NULL OR next_attempt_at <= @now))
                OR (status = @sending AND claimed_at < @staleBefore))
            {returning}
            """,
            new
            {
                sessionId, now, staleBefore = now - claimTimeout, calendar = ChannelNames.Calendar,
                sending = DeliveryStatus.Sending, pending = DeliveryStatus.Pending,
            }, transaction)).AsList(), cancellationToken);
        return ids.Count == 0 ? [] : [.. (await deliveries.GetManyAsync(ids, CancellationToken.None)).OrderBy(d => d.CreatedAt)];
    }

    /// <summary>
    /// Pending rows this run did not claim have no job but this one when it started before them: Hangfire keeps a
    /// schedule's time in whole seconds and may start a retry up to a second before its rows are due, and the clock may
    /// pass their time between the claim and now. The job puts itself back for the time that remains (at once if none
    /// does) rather than leave them to <see cref="DeliverySweeper"/>, which only takes rows overdue by a whole sweep
    /// interval: the throttling test that failed once in CI had both rows pending, attempts 1, for 30 s. Rows this run
    /// claimed and scheduled again after a failure already have their retry.
    /// </summary>
    private async Task PutBackForWaitingRowsAsync(Guid sessionId, HashSet<Guid> claimed)
    {
        var waiting = (await PendingAsync(sessionId)).Where(r => !claimed.Contains(r.Id)).ToList();
        if (waiting.Count == 0)
        {
            // Settled, or held by another job: that job has them.
            return;
        }
        jobs.RunAfter<CalendarPublishJob>(j => j.RunAsync(sessionId, CancellationToken.None), waiting.Min(r => r.NextAttemptAt ?? DateTimeOffset.MinValue) - time.GetUtcNow());
    }

    private async Task PublishAsync(Guid sessionId, IReadOnlyList<Delivery> claimed, DispatchOptions dispatch, CancellationToken cancellationToken)
    {
        try
        {
            var session = await sessions.GetAsync(sessionId, CancellationToken.None)
                ?? throw new PermanentDeliveryException($"Session {sessionId} does not exist.");
            var publisher = await publishers.ResolveAsync(session.AuthorityId, CancellationToken.None)
                ?? throw new PermanentDeliveryException("No calendar connector is enabled for this authority.");
            var eventId = await EventIdAsync(sessionId);
            var attendees = await AttendeesAsync(sessionId);
            DeliveryReceipt receipt;
            string published;
            if (session.Status == SessionStatus.Cancelled && eventId is null)
            {
                // Cancelled before the event existed: nothing to put in, nothing to take out of, anyone's calendar.
                foreach (var delivery in claimed)
                {
                    await deliveries.MarkSupersededAsync(delivery, "session cancelled before the calendar event was created", time.GetUtcNow());
                }
                return;
            }
            if (session.Status == SessionStatus.Cancelled || claimed.Any(d => d.Purpose == DeliveryPurpose.Cancellation))
            {
                await publisher.CancelAsync(eventId!, CancellationComment(session), CancellationToken.None);
                receipt = new DeliveryReceipt(eventId!, "cancelled");
                published = $"cancel\n{CancellationComment(session)}";
            }
            else
            {
                var request = await RequestAsync(session, eventId, attendees);
                receipt = await publisher.PublishAsync(request, CancellationToken.None);
                published = $"{request.Invitation.Summary}\n{request.HtmlBody}";
            }
            // Evidence: the SHA-256 of what the event says (its title and body), as for a message.
            var sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(published)));
            var now = time.GetUtcNow();
            foreach (var delivery in claimed)
            {
                var address = attendees.FirstOrDefault(a => a.ConvocationId == delivery.ConvocationId)?.Address;
                var response = JsonSerializer.Serialize(new { eventId = receipt.ProviderMessageId, attendee = address, response = "none", provider = receipt.ProviderResponse });
                await deliveries.MarkSentAsync(delivery, now, receipt.ProviderMessageId, response, new SentMessageEvidence(address, sha256), now);
            }
            logger.LogInformation("Calendar event {EventId} of session {SessionId} published for {Count} deliveries", receipt.ProviderMessageId, sessionId, claimed.Count);
            if (eventId is null)
            {
                // A new event: make sure the organiser calendar's changes are notified (in its own job: Graph's handshake calls the hub back).
                jobs.Enqueue<CalendarSubscriptions>(s => s.EnsureAsync(session.AuthorityId, CancellationToken.None));
            }
        }
        catch (PermanentDeliveryException ex)
        {
            logger.LogWarning(ex, "Calendar event of session {SessionId} failed permanently", sessionId);
            foreach (var delivery in claimed)
            {
                await deliveries.MarkFailedAsync(delivery, ex.Message, time.GetUtcNow());
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await RetryOrFailAsync(sessionId, claimed, ex, dispatch);
        }
    }

    /// <summary>
    /// Publishes the event again with the current attendees, when no row of the session waits (a member left office):
    /// the PATCH then carries only <c>attendees</c>, and Exchange tells only that member.
    /// </summary>
    [AutomaticRetry(Attempts = 3)]
    public async Task RepublishAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        if (await sessions.GetAsync(sessionId, cancellationToken) is not { Status: SessionStatus.Sent } session
            || await publishers.ResolveAsync(session.AuthorityId, cancellationToken) is not { } publisher
            || await EventIdAsync(sessionId) is not { } eventId)
        {
            // Not created yet: the job of the pending rows creates it with the current attendees.
            return;
        }
        var receipt = await publisher.PublishAsync(await RequestAsync(session, eventId, await AttendeesAsync(sessionId)), CancellationToken.None);
        logger.LogInformation("Calendar event {EventId} of session {SessionId} republished with its current attendees", receipt.ProviderMessageId, sessionId);
    }

    private async Task RetryOrFailAsync(Guid sessionId, IReadOnlyList<Delivery> claimed, Exception error, DispatchOptions dispatch)
    {
        var now = time.GetUtcNow();
        var attempt = claimed.Max(d => d.Attempts);
        if (DeliveryJob.RetryDelay(attempt, dispatch, error) is not { } delay)
        {
            foreach (var delivery in claimed)
            {
                await deliveries.MarkFailedAsync(delivery, $"{error.Message} (after {attempt} attempts)", now);
            }
            return;
        }
        logger.LogInformation("Calendar event of session {SessionId} attempt {Attempt} failed ({Error}); retrying in {Delay}", sessionId, attempt, error.Message, delay);
        foreach (var delivery in claimed)
        {
            await deliveries.ScheduleRetryAsync(delivery, error.Message, now + delay, now);
        }
        jobs.RunAfter<CalendarPublishJob>(j => j.RunAsync(sessionId, CancellationToken.None), delay);
    }

    private async Task<CalendarEventRequest> RequestAsync(Session session, string? eventId, IReadOnlyList<CalendarAttendee> attendees)
    {
        var authority = (await authorities.GetAsync(session.AuthorityId, CancellationToken.None))!;
        var assembly = (await assemblies.GetAsync(session.AssemblyId, CancellationToken.None))!;
        var (_, html) = ConvocationComposer.ComposeForDossier(authority, assembly, session);
        // The shared event carries no personal link: each member's link (answer, documents) is in their own convocation email.
        var note = "<p>Votre convocation personnelle, avec le lien vers les documents de la séance et votre réponse, vous a été envoyée par courriel. "
            + "Vous pouvez aussi répondre ici («\u00A0Accepter\u00A0», «\u00A0Refuser\u00A0»)\u00A0: le secrétariat reçoit votre réponse.</p>";
        var body = html.Replace("</body>", note + "</body>", StringComparison.Ordinal);
        var invitation = new CalendarInvitation(
            Uid: $"session-{session.Id:N}",
            Sequence: session.Version - 1,
            Method: CalendarMethod.Request,
            Start: session.LocalStart,
            End: session.LocalStart.AddMinutes(session.DurationMinutes),
            TimeZoneId: "Europe/Paris",
            Summary: $"{assembly.Name} du {French.DateAndTime(session.LocalStart)}",
            Location: session.Place,
            Description: string.Join("\n", session.Items.Select(i => $"{i.Position}. {i.Title}")),
            OrganizerEmail: "",
            OrganizerName: authority.Name);
        return new CalendarEventRequest(
            $"session-{session.Id:N}-v{session.Version}",
            eventId,
            invitation,
            [.. attendees.Select(a => a.Recipient)],
            body,
            // A hybrid session gets a Teams meeting (CGCT L5211-11-1, L4132-9-1).
            OnlineMeeting: session.Hybrid);
    }

    private static string CancellationComment(Session session) =>
        string.IsNullOrWhiteSpace(session.CancellationReason)
            ? "La séance est annulée."
            : $"La séance est annulée\u00A0: {session.CancellationReason}";

    private async Task<IReadOnlyList<PendingRow>> PendingAsync(Guid sessionId)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        return (await connection.QueryAsync<PendingRow>(
            "SELECT id AS Id, next_attempt_at AS NextAttemptAt FROM deliveries WHERE session_id = @sessionId AND channel = @calendar AND status = @pending ORDER BY created_at",
            new { sessionId, calendar = ChannelNames.Calendar, pending = DeliveryStatus.Pending })).AsList();
    }

    private sealed class PendingRow
    {
        public Guid Id { get; set; }
        public DateTimeOffset? NextAttemptAt { get; set; }
    }

    private async Task<string?> EventIdAsync(Guid sessionId)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        return await connection.QueryFirstOrDefaultAsync<string>(
            "SELECT provider_message_id FROM deliveries WHERE session_id = @sessionId AND channel = @calendar AND status = @sent AND provider_message_id IS NOT NULL",
            new { sessionId, calendar = ChannelNames.Calendar, sent = DeliveryStatus.Sent });
    }

    private async Task<IReadOnlyList<CalendarAttendee>> AttendeesAsync(Guid sessionId)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        return await CalendarAttendee.ForSessionAsync(connection, sessionId);
    }
}

/// <summary>A convened member on the session's calendar event, with the address the event uses (UPN, else email).</summary>
public sealed record CalendarAttendee(Guid ConvocationId, Guid MemberId, Recipient Recipient)
{
    public string Address => Recipient.M365Upn ?? Recipient.Email ?? "";

    public static async Task<IReadOnlyList<CalendarAttendee>> ForSessionAsync(System.Data.Common.DbConnection connection, Guid sessionId)
    {
        var rows = await connection.QueryAsync<Row>(
            """
            SELECT DISTINCT c.id AS ConvocationId, m.id AS MemberId, m.first_name AS FirstName, m.last_name AS LastName, m.email AS Email, m.m365_upn AS M365Upn
            FROM deliveries d JOIN convocations c ON c.id = d.convocation_id JOIN members m ON m.id = c.member_id
            WHERE d.session_id = @sessionId AND d.channel = @calendar AND d.purpose = @convocation AND d.status <> @removed
            """,
            new { sessionId, calendar = ChannelNames.Calendar, convocation = DeliveryPurpose.Convocation, removed = DeliveryStatus.Superseded });
        return [.. rows.Select(r => new CalendarAttendee(r.ConvocationId, r.MemberId, new Recipient($"{r.FirstName} {r.LastName}", r.Email, M365Upn: r.M365Upn)))];
    }

    private sealed class Row
    {
        public Guid ConvocationId { get; set; }
        public Guid MemberId { get; set; }
        public string FirstName { get; set; } = "";
        public string LastName { get; set; } = "";
        public string? Email { get; set; }
        public string? M365Upn { get; set; }
    }
}
