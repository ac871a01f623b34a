using IntegrationHub.Assemblies;
using IntegrationHub.Legal;
using IntegrationHub.Sessions;

namespace IntegrationHub.Convocations;

/// <summary>The quorum forecast of a session from the answers received (CGCT L2121-17).</summary>
public sealed class QuorumService(SeatStore seats, AnswerStore answers)
{
    public async Task<QuorumForecast> ForecastAsync(Session session, CancellationToken cancellationToken)
    {
        // The base is the members in office on the meeting date, not the people convened (LEGAL.md §3 rule 1).
        var inOffice = await seats.MembersInOfficeAsync(session.AssemblyId, session.MeetingDate, cancellationToken);
        var current = await answers.CurrentForSessionAsync(session.Id, cancellationToken);
        int present = 0, absent = 0, proxies = 0, noAnswer = 0;
        foreach (var member in inOffice)
        {
            switch (current.GetValueOrDefault(member.Id)?.Attendance)
            {
                case Attendance.Present: present++; break;
                case Attendance.Absent: absent++; break;
                case Attendance.Proxy: proxies++; break;
                default: noAnswer++; break;
            }
        }
        return QuorumRules.Forecast(inOffice.Count, present, absent, proxies, noAnswer);
    }
}
