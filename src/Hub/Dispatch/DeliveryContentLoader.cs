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
    public async Task<OutboundMessage> ComposeAsync(Delivery delivery, CancellationToken cancellationToken)
    {
        if (delivery.MailingRecipientId is { } recipientId)
        {
            return await ComposeMailingAsync(delivery, recipientId, cancellationToken);
        }
        var convocation = await convocations.GetAsync(delivery.ConvocationId!.Value, cancellationToken)
            ?? throw new PermanentDeliveryException($"Convocation {delivery.ConvocationId} does not exist.");
        var session = await sessions.GetAsync(convocation.SessionId, cancellationToken)
            ?? throw new PermanentDeliveryException($"Session {convocation.SessionId} does not exist.");
        var member = await members.GetAsync(convocation.MemberId, cancellationToken)
            ?? throw new PermanentDeliveryException($"Member {convocation.MemberId} does not exist.");
        var authority = (await authorities.GetAsync(session.AuthorityId, cancellationToken))!;
        var assembly = (await assemblies.GetAsync(session.AssemblyId, cancellationToken))!;
        var expires = session.EndsAt;
        var message = composer.Compose(new ConvocationContent(
            authority, assembly, session, member, delivery,
            links.AnswerLink(convocation.Id, expires),
            links.DocumentsLink(convocation.Id, expires))
        {
            ChangeSummary = delivery.Purpose == DeliveryPurpose.Update
                ? await sessions.VersionSummaryAsync(session.Id, delivery.SessionVersion, cancellationToken)
                : null,
        });
        // A member on the session's Microsoft 365 event gets its invitation, updates and cancellation from Outlook: the
        // hub's own iCalendar part would be a second invitation for the same session.
        return await deliveries.HasCalendarDeliveryAsync(convocation.Id, cancellationToken) ? message with { Calendar = null } : message;
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

    public async Task<bool> IsSessionCancelledAsync(Delivery delivery) =>
        delivery.SessionId is { } sessionId && (await sessions.GetAsync(sessionId, CancellationToken.None))?.Status == SessionStatus.Cancelled;

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
