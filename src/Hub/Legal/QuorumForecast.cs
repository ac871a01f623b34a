namespace IntegrationHub.Legal;

/// <summary>The attendance answers of a session and the quorum outlook they give.</summary>
/// <param name="MembersInOffice">Members in office (membres en exercice) on the meeting date.</param>
/// <param name="Quorum">Members who must be physically present (CGCT L2121-17).</param>
/// <param name="Present">Members who confirmed they will attend.</param>
/// <param name="Absent">Members declared absent without a proxy that can be exercised (none, or a void one).</param>
/// <param name="Proxies">Absent members who gave a proxy that can be exercised; they do not count for the quorum.</param>
/// <param name="NoAnswer">Members who have not answered, or answered « peut-être ».</param>
/// <param name="Forecast">The outlook.</param>
public sealed record QuorumForecast(
    int MembersInOffice,
    int Quorum,
    int Present,
    int Absent,
    int Proxies,
    int NoAnswer,
    QuorumOutlook Forecast);
