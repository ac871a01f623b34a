using Dapper;
using Hangfire;
using IntegrationHub.Assemblies;
using IntegrationHub.Convocations;
using IntegrationHub.Dispatch;
using IntegrationHub.Evidence;
using IntegrationHub.Evidence.Ledger;
using IntegrationHub.Persistence;
using IntegrationHub.Sessions;

namespace IntegrationHub.Calendars;

/// <summary>How many members a reconciliation put on and took off a session's calendar event.</summary>
public sealed record CalendarReconciliation(int Added, int Removed);

/// <summary>
/// Keeps a sent session's calendar event in step with the assembly's members in office on the meeting date: a member
/// who entered office after the send gets a convocation (if they had none) and a calendar delivery, so the event's next
/// PATCH invites them; a member who left office has their calendar delivery withdrawn and is taken off the event. Run
/// on « Actualiser les réponses » and after each change of a sent session.
/// </summary>
/// <remarks>
/// Only the calendar is reconciled: a member convened this way receives no convocation email or SMS (the hub's dispatch
/// convenes the members in office at the send only; docs/open-work.md, issue 6).
/// </remarks>
public sealed class CalendarAttendeeReconciler(
    HubDatabase database,
    SeatStore seats,
    DeliveryStore deliveries,
    EvidenceLedger ledger,
    CalendarPublishers publishers,
    IBackgroundJobClient jobs,
    TimeProvider time,
    ILogger<CalendarAttendeeReconciler> logger)
{
    public async Task<CalendarReconciliation> ReconcileAsync(Session session, CancellationToken cancellationToken)
    {
        if (session.Status != SessionStatus.Sent || !await publishers.HasPublisherAsync(session.AuthorityId, cancellationToken))
        {
            return new CalendarReconciliation(0, 0);
        }
        var inOffice = await seats.MembersInOfficeAsync(session.AssemblyId, session.MeetingDate, cancellationToken);
        var now = time.GetUtcNow();
        var toEnqueue = new List<Guid>();
        var added = new List<Members.Member>();
        var removed = new List<MemberRow>();
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            // Two reconciliations at once (a change after sending and « Actualiser les réponses ») would both see a
            // member missing and both add them: the session's row lock makes the second wait and read the first's rows.
            await connection.ExecuteAsync("UPDATE sessions SET status = status WHERE id = @Id", new { session.Id }, transaction);
            var onEvent = (await connection.QueryAsync<MemberRow>(
                """
                SELECT d.id AS Id, c.member_id AS MemberId FROM deliveries d JOIN convocations c ON c.id = d.convocation_id
                WHERE d.session_id = @Id AND d.channel = @calendar AND d.purpose = @convocation AND d.status <> @removed
                """,
                new { session.Id, calendar = ChannelNames.Calendar, convocation = DeliveryPurpose.Convocation, removed = DeliveryStatus.Superseded },
                transaction)).AsList();
            var convocations = (await connection.QueryAsync<MemberRow>(
                    "SELECT id AS Id, member_id AS MemberId FROM convocations WHERE session_id = @Id", new { session.Id }, transaction))
                .GroupBy(c => c.MemberId).ToDictionary(g => g.Key, g => g.First().Id);
            // As at the send: members who asked for paper, or have no address Outlook knows, are not on the event.
            added.AddRange(inOffice.Where(m => !m.WantsPaper && (m.M365Upn ?? m.Email) is not null && onEvent.All(r => r.MemberId != m.Id)));
            removed.AddRange(onEvent.Where(r => inOffice.All(m => m.Id != r.MemberId)));
            foreach (var member in added)
            {
                if (!convocations.TryGetValue(member.Id, out var convocationId))
                {
                    var convocation = new Convocation { Id = Guid.CreateVersion7(), AuthorityId = session.AuthorityId, SessionId = session.Id, MemberId = member.Id, CreatedAt = now };
                    await ConvocationStore.InsertAsync(connection, transaction, convocation);
                    await ledger.AppendAsync(connection, transaction, session.AuthorityId, LedgerEntryTypes.ConvocationComposed,
                        new LedgerSubject(session.Id, convocation.Id, MemberId: member.Id), SessionEvidence.Convened(member, [ChannelNames.Calendar]), now);
                    convocationId = convocation.Id;
                }
                var delivery = Delivery.Pending(session, convocationId, ChannelNames.Calendar, DeliveryPurpose.Convocation, now, member.Id);
                await deliveries.InsertAsync(connection, transaction, delivery);
                toEnqueue.Add(delivery.Id);
            }
            // In the same transaction as the additions: a publish job running between the two (one a session change
            // enqueued) read the new member with the departed one still on the event, and nothing PATCHed it again.
            foreach (var row in removed)
            {
                if (await deliveries.GetAsync(row.Id, CancellationToken.None) is { } delivery)
                {
                    await deliveries.MarkRemovedAsync(connection, transaction, delivery, "member no longer in office on the meeting date: taken off the calendar event", now);
                }
            }
        }, cancellationToken);
        if (added.Count == 0 && removed.Count == 0)
        {
            return new CalendarReconciliation(0, 0);
        }
        // A waiting row makes the publish job PATCH the event with the current attendees; without one, republish.
        foreach (var id in toEnqueue)
        {
            jobs.Enqueue<DeliveryJob>(j => j.RunAsync(id, CancellationToken.None));
        }
        if (toEnqueue.Count == 0)
        {
            jobs.Enqueue<CalendarPublishJob>(j => j.RepublishAsync(session.Id, CancellationToken.None));
        }
        logger.LogInformation("Calendar attendees of session {SessionId} reconciled: {Added} added, {Removed} removed", session.Id, added.Count, removed.Count);
        return new CalendarReconciliation(added.Count, removed.Count);
    }

    /// <summary>A member and one of their rows: a calendar delivery, or their convocation.</summary>
    private sealed class MemberRow
    {
        public Guid Id { get; set; }
        public Guid MemberId { get; set; }
    }
}
