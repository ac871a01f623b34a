namespace IntegrationHub.Plugins.Channels;

/// <summary>
/// A meeting as a calendar entry (iTIP, RFC 5546): channels that can carry an invitation render it.
/// </summary>
/// <param name="Uid">Stable identifier of the entry for this session and recipient.</param>
/// <param name="Sequence">Revision number: 0 for the first sending, bumped on each change or cancellation.</param>
/// <param name="Method">Whether this is an invitation or update (<see cref="CalendarMethod.Request"/>) or a cancellation.</param>
/// <param name="Start">Local start of the meeting, in <paramref name="TimeZoneId"/>.</param>
/// <param name="End">Local end of the meeting, in <paramref name="TimeZoneId"/>.</param>
/// <param name="TimeZoneId">IANA time-zone id, normally <c>Europe/Paris</c>.</param>
/// <param name="Summary">Title of the entry.</param>
/// <param name="Location">Place of the meeting.</param>
/// <param name="Description">Plain-text description (agenda).</param>
/// <param name="OrganizerEmail">Address that receives the attendees' answers.</param>
/// <param name="OrganizerName">Display name of the organiser.</param>
public sealed record CalendarInvitation(
    string Uid,
    int Sequence,
    CalendarMethod Method,
    DateTime Start,
    DateTime End,
    string TimeZoneId,
    string Summary,
    string Location,
    string Description,
    string OrganizerEmail,
    string OrganizerName);

/// <summary>The iTIP method of a calendar invitation.</summary>
public enum CalendarMethod
{
    /// <summary>An invitation or an update of it (<c>METHOD:REQUEST</c>).</summary>
    Request,

    /// <summary>A cancellation (<c>METHOD:CANCEL</c>).</summary>
    Cancel,
}
