using IntegrationHub.Assemblies;
using IntegrationHub.Legal;
using IntegrationHub.Members;
using IntegrationHub.Sessions;

namespace IntegrationHub.Convocations;

public abstract record AnswerOutcome
{
    /// <summary>The answer was written; <c>Warning</c> is said to the member when it has a consequence they may not expect (a proxy they hold lost).</summary>
    public sealed record Recorded(Answer Answer, string? Warning = null) : AnswerOutcome;

    public sealed record Refused(string Code, string Message) : AnswerOutcome;

    /// <summary>The same member answered at the same instant through another channel: nothing was written.</summary>
    public sealed record Conflict(string Code, string Message) : AnswerOutcome;
}

/// <summary>Records a member's answer; a proxy is checked against CGCT L2121-20 before it is accepted.</summary>
public sealed class AnswerService(AnswerStore answers, SeatStore seats, MemberStore members, TimeProvider time)
{
    public async Task<AnswerOutcome> RecordAsync(
        Session session, Convocation convocation, string attendance, Guid? proxyHolderMemberId, bool illnessCertified, string source,
        CancellationToken cancellationToken)
    {
        if (session.Status == SessionStatus.Cancelled)
        {
            return new AnswerOutcome.Refused("session-cancelled", "Cette séance a été annulée : aucune réponse n'est plus attendue.");
        }
        if (time.GetUtcNow() >= session.EndsAt)
        {
            return new AnswerOutcome.Refused("session-over", "Cette séance est terminée : il n'est plus possible d'y répondre.");
        }
        if (attendance == Attendance.Proxy)
        {
            if (proxyHolderMemberId is not { } holderId)
            {
                return new AnswerOutcome.Refused("proxy-holder-missing", "Indiquez le conseiller à qui vous donnez pouvoir.");
            }
            var violation = await CheckProxyAsync(session, convocation, holderId, illnessCertified, cancellationToken);
            if (violation is not null)
            {
                return new AnswerOutcome.Refused(violation.Code, violation.Message);
            }
        }
        var answer = new Answer
        {
            Id = Guid.CreateVersion7(),
            AuthorityId = convocation.AuthorityId,
            SessionId = session.Id,
            ConvocationId = convocation.Id,
            MemberId = convocation.MemberId,
            Attendance = attendance,
            ProxyHolderMemberId = attendance == Attendance.Proxy ? proxyHolderMemberId : null,
            IllnessCertified = attendance == Attendance.Proxy && illnessCertified,
            Source = source,
            RecordedAt = time.GetUtcNow(),
        };
        return await answers.InsertAsync(answer, cancellationToken) switch
        {
            AnswerWrite.Recorded => new AnswerOutcome.Recorded(answer, await HeldProxyWarningAsync(answer, cancellationToken)),
            AnswerWrite.HolderAlreadyHoldsProxy => new AnswerOutcome.Refused(ProxyRules.HolderAlreadyHoldsProxy.Code, ProxyRules.HolderAlreadyHoldsProxy.Message),
            _ => new AnswerOutcome.Conflict("answer-changed", "Une autre réponse de ce membre vient d'être enregistrée au même moment : rechargez la page puis recommencez."),
        };
    }

    public async Task<string?> CurrentAttendanceAsync(Guid sessionId, Guid memberId, CancellationToken cancellationToken) =>
        (await answers.ForSessionAsync(sessionId, cancellationToken)).Of(memberId)?.Attendance;

    /// <summary>
    /// A member who holds a proxy and then answers absent, or gives their own proxy, is recorded as they said (an
    /// absence is a fact the hub cannot refuse), but the proxy they hold becomes void: the holder votes « en son nom »
    /// during the session (CGCT L2121-20, LEGAL.md §4). They are told so, with the name of the colleague to warn.
    /// </summary>
    private async Task<string?> HeldProxyWarningAsync(Answer answer, CancellationToken cancellationToken)
    {
        if (answer.Attendance is not (Attendance.Absent or Attendance.Proxy)
            || (await answers.ForSessionAsync(answer.SessionId, cancellationToken)).ProxyHeldBy(answer.MemberId) is not { } held)
        {
            return null;
        }
        var principal = (await members.GetAsync(held.MemberId, cancellationToken))?.DisplayName ?? "votre collègue";
        return $"Vous détenez le pouvoir de {principal} pour cette séance. Si vous n'y assistez pas, vous ne pourrez pas voter en son nom : "
            + $"ce pouvoir devient caduc (CGCT, art. L2121-20). Prévenez {principal} afin qu'un autre collègue reçoive son pouvoir ; "
            + "le secrétariat le voit dans la prévision de quorum. Si vous serez finalement présent(e), indiquez-le : le pouvoir comptera de nouveau.";
    }

    private async Task<ProxyViolation?> CheckProxyAsync(Session session, Convocation convocation, Guid holderId, bool illnessCertified, CancellationToken cancellationToken)
    {
        var inOffice = await seats.MembersInOfficeAsync(session.AssemblyId, session.MeetingDate, cancellationToken);
        var current = await answers.ForSessionAsync(session.Id, cancellationToken);
        var holderAnswer = current.Of(holderId);
        var heldByHolder = current.ProxyHeldBy(holderId);
        var history = await answers.PrecedingProxyHistoryAsync(session.AssemblyId, convocation.MemberId, session.StartsAt, cancellationToken);
        var facts = new ProxyFacts(
            HolderIsPrincipal: holderId == convocation.MemberId,
            HolderInOfficeInAssembly: inOffice.Any(m => m.Id == holderId),
            HolderAlreadyHoldsProxyForSession: heldByHolder is not null && heldByHolder.MemberId != convocation.MemberId,
            HolderIsAbsentOrDelegating: holderAnswer?.Attendance is Attendance.Absent or Attendance.Proxy,
            PrincipalPrecedingConsecutiveProxies: history.TakeWhile(wasProxy => wasProxy).Count(),
            IllnessCertified: illnessCertified);
        return ProxyRules.Validate(facts);
    }
}
