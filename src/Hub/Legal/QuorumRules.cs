namespace IntegrationHub.Legal;

/// <summary>
/// Quorum of a council (CGCT L2121-17): « la majorité de ses membres en exercice est présente ». The base is the
/// number of members in office, which the caller computes (seats minus vacancies; for an item, minus the members
/// excluded under L2131-11 when that reading is configured, LEGAL.md §3).
/// </summary>
public static class QuorumRules
{
    /// <summary>
    /// More than half of the members in office: floor(n / 2) + 1. 27 in office → 14, 11 → 6, 8 → 5
    /// (TA Toulouse 28 June 1987; Rép. min. n° 8750, JOAN 24/01/1994).
    /// </summary>
    public static int Required(int membersInOffice)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(membersInOffice, 1);
        return (membersInOffice / 2) + 1;
    }

    /// <summary>
    /// Forecasts the quorum from the answers. Only members physically present count; proxies do not (CGCT L2121-17,
    /// LEGAL.md §3 rule 3). Reached when the present members suffice; not reached when even every member who has not
    /// answered would not suffice; at risk otherwise.
    /// </summary>
    public static QuorumForecast Forecast(int membersInOffice, int present, int absent, int proxies, int noAnswer)
    {
        var quorum = Required(membersInOffice);
        ArgumentOutOfRangeException.ThrowIfNegative(present);
        ArgumentOutOfRangeException.ThrowIfNegative(absent);
        ArgumentOutOfRangeException.ThrowIfNegative(proxies);
        ArgumentOutOfRangeException.ThrowIfNegative(noAnswer);

        var answered = (long)present + absent + proxies + noAnswer;
        if (answered > membersInOffice)
        {
            throw new ArgumentException(
                $"Les réponses ({answered}) dépassent le nombre de membres en exercice ({membersInOffice}).",
                nameof(membersInOffice));
        }

        var outlook = present >= quorum ? QuorumOutlook.Reached
            : present + noAnswer < quorum ? QuorumOutlook.NotReached
            : QuorumOutlook.AtRisk;

        return new QuorumForecast(membersInOffice, quorum, present, absent, proxies, noAnswer, outlook);
    }
}
