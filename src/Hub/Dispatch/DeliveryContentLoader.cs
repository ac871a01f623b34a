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
    ConvocationComposer composer)
{
    public async Task<OutboundMessage> ComposeAsync(Delivery delivery, CancellationToken cancellationToken)
    {
        var convocation = await convocations.GetAsync(delivery.ConvocationId, cancellationToken)
            ?? throw new PermanentDeliveryException($"Convocation {delivery.ConvocationId} does not exist.");
        var session = await sessions.GetAsync(convocation.SessionId, cancellationToken)
            ?? throw new PermanentDeliveryException($"Session {convocation.SessionId} does not exist.");
        var member = await members.GetAsync(convocation.MemberId, cancellationToken)
            ?? throw new PermanentDeliveryException($"Member {convocation.MemberId} does not exist.");
        var authority = (await authorities.GetAsync(session.AuthorityId, cancellationToken))!;
        var assembly = (await assemblies.GetAsync(session.AssemblyId, cancellationToken))!;
        var expires = session.EndsAt;
        return composer.Compose(new ConvocationContent(
            authority, assembly, session, member, delivery,
            links.AnswerLink(convocation.Id, expires),
            links.DocumentsLink(convocation.Id, expires))
        {
            ChangeSummary = delivery.Purpose == DeliveryPurpose.Update
                ? await sessions.VersionSummaryAsync(session.Id, delivery.SessionVersion, cancellationToken)
                : null,
        });
    }

    public async Task<bool> IsSessionCancelledAsync(Delivery delivery) =>
        (await sessions.GetAsync(delivery.SessionId, CancellationToken.None))?.Status == SessionStatus.Cancelled;

    /// <summary>A mobile number the SMS provider refused for good is flagged on the member and skipped until it is changed.</summary>
    public async Task FlagMobileAsync(Delivery delivery, string problem)
    {
        if (await convocations.GetAsync(delivery.ConvocationId, CancellationToken.None) is { } convocation)
        {
            await members.FlagMobileAsync(convocation.MemberId, problem, time.GetUtcNow(), CancellationToken.None);
        }
    }
}
