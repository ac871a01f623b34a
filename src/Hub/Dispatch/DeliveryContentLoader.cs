using IntegrationHub.Assemblies;
using IntegrationHub.Authorities;
using IntegrationHub.Convocations;
using IntegrationHub.Members;
using IntegrationHub.Plugins.Channels;
using IntegrationHub.Sessions;

namespace IntegrationHub.Dispatch;

/// <summary>Reads the current state behind a delivery (jobs carry ids only) and writes its message.</summary>
public sealed class DeliveryContentLoader(
    TimeProvider time,
    ConvocationStore convocations,
    SessionStore sessions,
    MemberStore members,
    AuthorityStore authorities,
    AssemblyStore assemblies,
    MemberLinks links,
    ConvocationComposer composer,
    Mailings.MailingStore mailings,
    DeliveryStore deliveries)
{
    /// <summary>
    /// The deliveries of one job share what does not change while it runs (authority, assembly, which convocations are
    /// on the calendar event): read once per job instead of once per delivery. What can change — the session (it may be
    /// cancelled or amended) and the member (their address) — is read for each delivery.
    /// </summary>
    public sealed class SharedReads
    {
        internal Dictionary<Guid, Authority> Authorities { get; } = [];
        internal Dictionary<Guid, Assembly> Assemblies { get; } = [];
        internal Dictionary<Guid, IReadOnlySet<Guid>> CalendarConvocations { get; } = [];
    }

    /// <param name="delivery">The delivery.</param>
    /// <param name="session">Its session as just read (<see cref="CurrentSessionAsync"/>), or null to read it here.</param>
    /// <param name="shared">Reads shared by the deliveries of one job, or null for none.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    public async Task<OutboundMessage> ComposeAsync(
        Delivery delivery, Session? session = null, SharedReads? shared = null, CancellationToken cancellationToken = default)
    {
        if (delivery.MailingRecipientId is { } recipientId)
        {
            return await ComposeMailingAsync(delivery, recipientId, cancellationToken);
        }
        var convocationId = delivery.ConvocationId!.Value;
        // The row carries its session and member (read with it); the convocation itself is read only for a row built without them.
        var (sessionId, memberId) = delivery is { SessionId: { } s, MemberId: { } m }
            ? (s, m)
            : await convocations.GetAsync(convocationId, cancellationToken) is { } convocation
                ? (convocation.SessionId, convocation.MemberId)
                : throw new PermanentDeliveryException($"Convocation {convocationId} does not exist.");
        session ??= await sessions.GetAsync(sessionId, cancellationToken)
            ?? throw new PermanentDeliveryException($"Session {sessionId} does not exist.");
        var member = await members.GetAsync(memberId, cancellationToken)
            ?? throw new PermanentDeliveryException($"Member {memberId} does not exist.");
        shared ??= new SharedReads();
        var authority = await ReadOnceAsync(shared.Authorities, session.AuthorityId, id => authorities.GetAsync(id, cancellationToken));
        var assembly = await ReadOnceAsync(shared.Assemblies, session.AssemblyId, id => assemblies.GetAsync(id, cancellationToken));
        var expires = session.EndsAt;
        var message = composer.Compose(new ConvocationContent(
            authority, assembly, session, member, delivery,
            links.AnswerLink(convocationId, expires),
            links.DocumentsLink(convocationId, expires))
        {
            ChangeSummary = delivery.Purpose == DeliveryPurpose.Update
                ? await sessions.VersionSummaryAsync(session.Id, delivery.SessionVersion, cancellationToken)
                : null,
        });
        // A member on the session's Microsoft 365 event gets its invitation, updates and cancellation from Outlook: the
        // hub's own iCalendar part would be a second invitation for the same session. The calendar rows are written with
        // the convocations (send, change), before any job runs, so one read per session and job is enough.
        var onCalendar = await ReadOnceAsync(shared.CalendarConvocations, session.Id, async id => await deliveries.CalendarConvocationsAsync(id, cancellationToken));
        return onCalendar.Contains(convocationId) ? message with { Calendar = null } : message;
    }

    private static async Task<T> ReadOnceAsync<T>(Dictionary<Guid, T> cache, Guid id, Func<Guid, Task<T?>> read)
        where T : class
    {
        if (!cache.TryGetValue(id, out var value))
        {
            value = await read(id) ?? throw new InvalidOperationException($"{typeof(T).Name} {id} does not exist.");
            cache[id] = value;
        }
        return value;
    }

    private async Task<OutboundMessage> ComposeMailingAsync(Delivery delivery, Guid recipientId, CancellationToken cancellationToken)
    {
        var recipient = await mailings.GetRecipientAsync(recipientId, cancellationToken)
            ?? throw new PermanentDeliveryException($"Mailing recipient {recipientId} does not exist.");
        var mailing = (await mailings.GetAsync(recipient.MailingId, cancellationToken))!;
        var member = await members.GetAsync(recipient.MemberId, cancellationToken)
            ?? throw new PermanentDeliveryException($"Member {recipient.MemberId} does not exist.");
        var authority = (await authorities.GetAsync(mailing.AuthorityId, cancellationToken))!;
        var documents = await mailings.DocumentsAsync(mailing.Id, cancellationToken);
        return Mailings.MailingComposer.Compose(authority, mailing, member, documents, delivery, links.MailingLink(recipient.Id, mailing.LinksExpireAt!.Value));
    }

    /// <summary>The delivery's session as it stands now (null for a mailing's delivery).</summary>
    public async Task<Session?> CurrentSessionAsync(Delivery delivery) =>
        delivery.SessionId is { } sessionId ? await sessions.GetAsync(sessionId, CancellationToken.None) : null;

    /// <summary>A mobile number the SMS provider refused for good is flagged on the member and skipped until it is changed.</summary>
    public async Task FlagMobileAsync(Delivery delivery, string problem)
    {
        var memberId = delivery.ConvocationId is { } convocationId
            ? (await convocations.GetAsync(convocationId, CancellationToken.None))?.MemberId
            : (await mailings.GetRecipientAsync(delivery.MailingRecipientId!.Value, CancellationToken.None))?.MemberId;
        if (memberId is { } id)
        {
            await members.FlagMobileAsync(id, problem, time.GetUtcNow(), CancellationToken.None);
        }
    }
}
