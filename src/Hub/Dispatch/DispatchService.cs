using System.Data.Common;
using Dapper;
using Hangfire;
using IntegrationHub.Assemblies;
using IntegrationHub.Convocations;
using IntegrationHub.Documents;
using IntegrationHub.Evidence;
using IntegrationHub.Evidence.Ledger;
using IntegrationHub.Hosting;
using IntegrationHub.Legal;
using IntegrationHub.Persistence;
using IntegrationHub.Sessions;
using Microsoft.Extensions.Options;

namespace IntegrationHub.Dispatch;

public abstract record SendOutcome
{
    public sealed record Accepted(int Convocations, int Deliveries) : SendOutcome;

    public sealed record Late(DateOnly LatestSendDate, DateOnly SendDate, bool Urgent) : SendOutcome;

    public sealed record AlreadySent(string Status) : SendOutcome;

    public sealed record NoMemberInOffice : SendOutcome;

    public sealed record SynthesisNoteMissing(string RuleSource) : SendOutcome;

    /// <summary>The session's validation circuit has not approved this dossier (pending, rejected, or approved on another fingerprint).</summary>
    public sealed record ValidationRequired(string CircuitState, bool DossierChanged) : SendOutcome;
}

/// <summary>
/// Sending a session: the legal deadline is checked, then every convocation and delivery is written in one
/// transaction (the outbox) before any job runs. Jobs are enqueued after the commit; anything not enqueued
/// (crash between commit and enqueue) is found again by <see cref="DeliverySweeper"/>.
/// </summary>
public sealed class DispatchService(
    HubDatabase database,
    SeatStore seats,
    DeliveryStore deliveries,
    EvidenceLedger ledger,
    SessionDocumentStore documents,
    ConnectorInstances.ChannelResolver channels,
    Calendars.CalendarPublishers calendars,
    Validation.ValidationService validation,
    IBackgroundJobClient jobs,
    TimeProvider time,
    IOptions<HubOptions> options,
    ILogger<DispatchService> logger)
{
    public Task<SendOutcome> SendAsync(Session session, CancellationToken cancellationToken) => SendAsync(session, null, cancellationToken);

    /// <summary>
    /// Sends the session. When it has a validation circuit, the circuit must have approved the dossier as it is now,
    /// unless <paramref name="validationOverride"/> (an administrator's, with a reason) lets it leave anyway.
    /// </summary>
    public async Task<SendOutcome> SendAsync(Session session, Validation.ValidationOverride? validationOverride, CancellationToken cancellationToken)
    {
        if (session.Status != SessionStatus.Draft)
        {
            return new SendOutcome.AlreadySent(session.Status);
        }
        var now = time.GetUtcNow();
        // CGCT L2121-11/12 and CE 12 July 1955: the sending day is the Paris calendar day of dispatch, whatever the hour.
        var sendDate = ParisTime.ToParisDate(now);
        if (!ConvocationDeadline.IsTimely(now, session.MeetingDate, session.Rule, session.Urgent))
        {
            return new SendOutcome.Late(session.LatestSendDate, sendDate, session.Urgent);
        }
        // CGCT L2121-12 (and L5211-1 for every EPCI): the note explicative de synthèse is sent WITH the convocation;
        // without it the deliberations are unlawful (CE 14 Nov 2012, Mandelieu-la-Napoule).
        var currentDocuments = await documents.CurrentAsync(session.Id, cancellationToken);
        if (session.Rule.SynthesisNoteRequired && !currentDocuments.Any(d => d.Kind == DocumentKinds.SynthesisNote))
        {
            return new SendOutcome.SynthesisNoteMissing(session.Rule.Source);
        }
        var members = await seats.MembersInOfficeAsync(session.AssemblyId, session.MeetingDate, cancellationToken);
        if (members.Count == 0)
        {
            return new SendOutcome.NoMemberInOffice();
        }
        var electronic = await channels.ElectronicChannelsAsync(session.AuthorityId, cancellationToken);
        var hasCalendar = await calendars.HasPublisherAsync(session.AuthorityId, cancellationToken);

        var toEnqueue = new List<Guid>();
        var deliveryCount = 0;
        bool claimed;
        try
        {
            claimed = await database.InBulkTransactionAsync(async (connection, transaction) =>
            {
                // The status guard makes a second, concurrent "send" a no-op instead of a second set of convocations.
                var updated = await connection.ExecuteAsync(
                    "UPDATE sessions SET status = @sent, sent_at = @now, updated_at = @now WHERE id = @id AND status = @draft",
                    new { sent = SessionStatus.Sent, draft = SessionStatus.Draft, now, id = session.Id }, transaction);
                if (updated == 0)
                {
                    return false;
                }
                // The second line of defence of validation circuits: the fingerprint is computed again from what this
                // transaction sees, so a change the restart hooks missed still blocks. A block rolls the claim back.
                var fingerprint = Validation.DossierFingerprint.OfSession(session, await SessionDocumentStore.CurrentAsync(connection, transaction, session.Id));
                if (await validation.CheckSendAsync(connection, transaction, Validation.ValidationDossier.Of(session), fingerprint, validationOverride, now) is { } block)
                {
                    throw new Validation.ValidationBlockedException(block);
                }
                session.Status = SessionStatus.Sent;
                session.SentAt = now;
                await SessionStore.InsertVersionAsync(connection, transaction, session, "Convocation envoyée", now);
                await ledger.AppendAsync(connection, transaction, session.AuthorityId, LedgerEntryTypes.SessionSent, new LedgerSubject(session.Id),
                    SessionEvidence.Sending(session, currentDocuments, now), now);
                foreach (var member in members)
                {
                    var convocation = new Convocation
                    {
                        Id = Guid.CreateVersion7(), AuthorityId = session.AuthorityId, SessionId = session.Id, MemberId = member.Id, CreatedAt = now,
                    };
                    await ConvocationStore.InsertAsync(connection, transaction, convocation);
                    var memberChannels = MemberChannels.For(member, electronic);
                    await ledger.AppendAsync(connection, transaction, session.AuthorityId, LedgerEntryTypes.ConvocationComposed,
                        new LedgerSubject(session.Id, convocation.Id, MemberId: member.Id), SessionEvidence.Convened(member, memberChannels), now);
                    if (hasCalendar && !member.WantsPaper && (member.M365Upn ?? member.Email) is not null)
                    {
                        // One event for the session in the members' calendars; its row per member settles with the event id.
                        memberChannels = [.. memberChannels, ChannelNames.Calendar];
                    }
                    foreach (var channel in memberChannels)
                    {
                        var delivery = await AddDeliveryAsync(connection, transaction, session, convocation.Id, member.Id, channel, DeliveryPurpose.Convocation, now);
                        deliveryCount++;
                        if (channel != ChannelNames.Paper)
                        {
                            toEnqueue.Add(delivery.Id);
                        }
                    }
                }
                return true;
            }, cancellationToken);
        }
        catch (Validation.ValidationBlockedException blocked)
        {
            session.Status = SessionStatus.Draft;
            session.SentAt = null;
            return new SendOutcome.ValidationRequired(blocked.Block.CircuitState, blocked.Block.DossierChanged);
        }

        if (!claimed)
        {
            return new SendOutcome.AlreadySent(SessionStatus.Sent);
        }
        Enqueue(toEnqueue);
        AnchorSoon(session.AuthorityId);
        logger.LogInformation("Session {SessionId} sent: {Convocations} convocations, {Deliveries} deliveries", session.Id, members.Count, deliveryCount);
        return new SendOutcome.Accepted(members.Count, deliveryCount);
    }

    /// <summary>
    /// Records a change to a sent session as a new version and tells every convened member through the channels
    /// they were convened by (an update, or a cancellation).
    /// </summary>
    public async Task<int> NotifyChangeAsync(Session session, string purpose, string summary, Func<DbConnection, DbTransaction, Task> persist, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var toEnqueue = new List<Guid>();
        await database.InBulkTransactionAsync(async (connection, transaction) =>
        {
            await persist(connection, transaction);
            await SessionStore.InsertVersionAsync(connection, transaction, session, summary, now);
            var documentsNow = await SessionDocumentStore.CurrentAsync(connection, transaction, session.Id);
            await ledger.AppendAsync(connection, transaction, session.AuthorityId,
                purpose == DeliveryPurpose.Cancellation ? LedgerEntryTypes.SessionCancelled : LedgerEntryTypes.SessionChanged,
                new LedgerSubject(session.Id),
                new { summary, session.CancellationReason, changedAt = now, session = SessionEvidence.Snapshot(session, documentsNow) }, now);
            var channelsByConvocation = (await connection.QueryAsync<ConvocationChannel>(
                    """
                    SELECT DISTINCT d.convocation_id AS ConvocationId, c.member_id AS MemberId, d.channel AS Channel
                    FROM deliveries d JOIN convocations c ON c.id = d.convocation_id
                    WHERE d.session_id = @sessionId AND d.purpose = @purpose
                    """,
                    new { sessionId = session.Id, purpose = DeliveryPurpose.Convocation }, transaction))
                .AsList();
            foreach (var row in channelsByConvocation)
            {
                var delivery = await AddDeliveryAsync(connection, transaction, session, row.ConvocationId, row.MemberId, row.Channel, purpose, now);
                if (row.Channel != ChannelNames.Paper)
                {
                    toEnqueue.Add(delivery.Id);
                }
            }
        }, cancellationToken);
        Enqueue(toEnqueue);
        AnchorSoon(session.AuthorityId);
        return toEnqueue.Count;
    }

    /// <summary>
    /// Time-stamps the authority's ledger head in the background: once when a dispatch is decided (the send, the rule and
    /// the verdict's inputs), again when its last delivery is settled (<see cref="DeliveryJob"/>), and periodically.
    /// </summary>
    public void AnchorSoon(Guid authorityId) => jobs.Enqueue<LedgerAnchoring>(a => a.AnchorAsync(authorityId, CancellationToken.None));

    /// <summary>
    /// Enqueues the deliveries in batches (<see cref="DispatchOptions.MaxBatchSize"/>), in the given order, small enough
    /// that every worker gets one: a session of 30 members on 4 workers is 4 jobs of 15 or 16, not 60 jobs.
    /// </summary>
    public void Enqueue(IReadOnlyCollection<Guid> deliveryIds)
    {
        foreach (var batch in Batches(deliveryIds, options.Value.Dispatch))
        {
            jobs.Enqueue<DeliveryJob>(j => j.RunBatchAsync(batch, CancellationToken.None));
        }
    }

    internal static IEnumerable<Guid[]> Batches(IReadOnlyCollection<Guid> deliveryIds, DispatchOptions dispatch)
    {
        var perWorker = (deliveryIds.Count + dispatch.EffectiveWorkerCount - 1) / dispatch.EffectiveWorkerCount;
        return deliveryIds.Chunk(Math.Clamp(perWorker, 1, Math.Max(dispatch.MaxBatchSize, 1)));
    }

    private async Task<Delivery> AddDeliveryAsync(
        DbConnection connection, DbTransaction transaction, Session session, Guid convocationId, Guid memberId, string channel, string purpose,
        DateTimeOffset now)
    {
        var delivery = Delivery.Pending(session, convocationId, channel, purpose, now, memberId);
        await deliveries.InsertAsync(connection, transaction, delivery);
        return delivery;
    }

    private sealed class ConvocationChannel
    {
        public Guid ConvocationId { get; set; }
        public Guid MemberId { get; set; }
        public string Channel { get; set; } = "";
    }
}
