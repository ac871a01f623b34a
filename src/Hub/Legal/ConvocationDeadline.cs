namespace IntegrationHub.Legal;

/// <summary>Computes the latest day on which a convocation may be sent, and whether a sending was in time.</summary>
public static class ConvocationDeadline
{
    /// <summary>The last Paris calendar day on which the convocation may be sent.</summary>
    public static DateOnly LatestSendDate(DateOnly meetingDate, ConvocationRule rule, bool urgent)
    {
        ArgumentNullException.ThrowIfNull(rule);

        if (urgent)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(rule.UrgentNoticeDays);

            // CGCT L2121-11, L2121-12, L3121-19, L4132-18: in urgency the delay may be shortened « sans pouvoir être
            // toutefois inférieur à un jour franc », so the urgent delay is franc even where the ordinary one is not.
            return meetingDate.AddDays(-(rule.UrgentNoticeDays + 1));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(rule.NoticeDays);

        // Jours francs (CE 12 July 1955, Mignaloux-Beauvoir; Rép. min. JOAN Q. 33389, 1996): neither the day of sending
        // nor the day of the meeting counts, so n full days lie strictly between them. Weekends and public holidays count
        // and do not extend the delay (CE 13 Oct 1993): plain calendar arithmetic, no holiday table.
        return rule.ClearDays
            ? meetingDate.AddDays(-(rule.NoticeDays + 1))
            : meetingDate.AddDays(-rule.NoticeDays);
    }

    /// <summary>
    /// Whether a convocation sent at <paramref name="sentAt"/> respects the delay. Only the Paris calendar day of the
    /// sending matters, not its hour: 23:59 counts for that day, 00:01 for the next.
    /// </summary>
    public static bool IsTimely(DateTimeOffset sentAt, DateOnly meetingDate, ConvocationRule rule, bool urgent) =>
        // The date of sending counts, not the date of receipt (CE 19 March 1969, Commune de Doullens).
        ParisTime.ToParisDate(sentAt) <= LatestSendDate(meetingDate, rule, urgent);

    /// <summary>
    /// The first instant at which a sending is too late: midnight, Paris time, at the end of
    /// <see cref="LatestSendDate"/>. Useful to schedule reminders; midnight never falls in a Paris clock change.
    /// </summary>
    public static DateTimeOffset SendingClosesAt(DateOnly meetingDate, ConvocationRule rule, bool urgent) =>
        ParisTime.ToInstant(LatestSendDate(meetingDate, rule, urgent).AddDays(1).ToDateTime(TimeOnly.MinValue));
}
