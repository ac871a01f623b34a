using IntegrationHub.Assemblies;
using IntegrationHub.Legal;
using IntegrationHub.Sessions;

namespace IntegrationHub.Convocations;

public abstract record AnswerOutcome
{
    public sealed record Recorded(Answer Answer) : AnswerOutcome;

    public sealed record Refused(string Code, string Message) : AnswerOutcome;
}

/// <summary>Records a member's answer; a proxy is checked against CGCT L2121-20 before it is accepted.</summary>
public sealed class AnswerService(AnswerStore answers, SeatStore seats, TimeProvider time)
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
        await answers.InsertAsync(answer, cancellationToken);
        return new AnswerOutcome.Recorded(answer);
    }

    public async Task<string?> CurrentAttendanceAsync(Guid sessionId, Guid memberId, CancellationToken cancellationToken) =>
        (await answers.CurrentForSessionAsync(sessionId, cancellationToken)).GetValueOrDefault(memberId)?.Attendance;

    private async Task<ProxyViolation?> CheckProxyAsync(Session session, Convocation convocation, Guid holderId, bool illnessCertified, CancellationToken cancellationToken)
    {
        var inOffice = await seats.MembersInOfficeAsync(session.AssemblyId, session.MeetingDate, cancellationToken);
        var current = await answers.CurrentForSessionAsync(session.Id, cancellationToken);
        var holderAnswer = current.GetValueOrDefault(holderId);
        var history = await answers.PrecedingProxyHistoryAsync(session.AssemblyId, convocation.MemberId, session.StartsAt, cancellationToken);
        var facts = new ProxyFacts(
            HolderIsPrincipal: holderId == convocation.MemberId,
            HolderInOfficeInAssembly: inOffice.Any(m => m.Id == holderId),
            HolderAlreadyHoldsProxyForSession: current.Values.Any(a =>
                a.Attendance == Attendance.Proxy && a.ProxyHolderMemberId == holderId && a.MemberId != convocation.MemberId),
            HolderIsAbsentOrDelegating: holderAnswer?.Attendance is Attendance.Absent or Attendance.Proxy,
            PrincipalPrecedingConsecutiveProxies: history.TakeWhile(wasProxy => wasProxy).Count(),
            IllnessCertified: illnessCertified);
        return ProxyRules.Validate(facts);
    }
}
