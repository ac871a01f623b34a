using IntegrationHub.Assemblies;
using IntegrationHub.Legal;
using IntegrationHub.Sessions;

namespace IntegrationHub.Convocations;

/// <summary>A proxy given for the session that cannot be exercised, and why, for the secretariat.</summary>
public sealed record VoidProxy(Guid PrincipalMemberId, Guid HolderMemberId, string Detail);

/// <summary>The quorum forecast of a session, with the proxies that will not count as votes.</summary>
public sealed record SessionQuorum(QuorumForecast Forecast, IReadOnlyList<VoidProxy> VoidProxies);

/// <summary>The quorum forecast of a session from the answers received (CGCT L2121-17).</summary>
public sealed class QuorumService(SeatStore seats, AnswerStore answers)
{
    public async Task<SessionQuorum> ForecastAsync(Session session, CancellationToken cancellationToken)
    {
        // The base is the members in office on the meeting date, not the people convened (LEGAL.md §3 rule 1).
        var inOffice = await seats.MembersInOfficeAsync(session.AssemblyId, session.MeetingDate, cancellationToken);
        var names = inOffice.ToDictionary(m => m.Id, m => m.DisplayName);
        var current = await answers.ForSessionAsync(session.Id, cancellationToken);
        int present = 0, absent = 0, proxies = 0, noAnswer = 0;
        var voidProxies = new List<VoidProxy>();
        foreach (var member in inOffice)
        {
            var answer = current.Of(member.Id);
            switch (answer?.Attendance)
            {
                case Attendance.Present: present++; break;
                case Attendance.Absent: absent++; break;
                // A void proxy leaves its principal absent and unrepresented (CGCT L2121-20: the holder must attend).
                case Attendance.Proxy when current.IsVoidProxy(answer):
                    absent++;
                    voidProxies.Add(Describe(answer, current, names));
                    break;
                case Attendance.Proxy: proxies++; break;
                default: noAnswer++; break;
            }
        }
        return new SessionQuorum(QuorumRules.Forecast(inOffice.Count, present, absent, proxies, noAnswer), voidProxies);
    }

    private static VoidProxy Describe(Answer answer, SessionAnswers current, Dictionary<Guid, string> names)
    {
        var holderId = answer.ProxyHolderMemberId.GetValueOrDefault();
        var principal = names.GetValueOrDefault(answer.MemberId, "Un membre");
        var holder = names.GetValueOrDefault(holderId, "le mandataire");
        var reason = current.Of(holderId)?.Attendance is Attendance.Absent or Attendance.Proxy
            ? $"{holder} a indiqué ne pas être présent(e) à la séance"
            : $"{holder} porte déjà un autre pouvoir";
        return new VoidProxy(answer.MemberId, holderId,
            $"Le pouvoir donné par {principal} à {holder} ne pourra pas être exercé : {reason} (CGCT, art. L2121-20). {principal} compte comme absent(e) non représenté(e) tant qu'un autre collègue n'a pas reçu son pouvoir.");
    }
}
