using IntegrationHub.Plugins.Channels;

namespace IntegrationHub.Plugins.Calendars;

/// <summary>
/// Puts a session in the members' own calendars (for example Outlook through Microsoft Graph) and reads their answers
/// back. Failures follow the channel contract: <see cref="PermanentDeliveryException"/> or <see cref="TransientDeliveryException"/>.
/// </summary>
public interface ICalendarPublisher
{
    /// <summary>Creates or updates the event for a session; idempotent for the same <see cref="CalendarEventRequest.IdempotencyKey"/>.</summary>
    /// <param name="request">The event and its attendees.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The provider's event id and answer.</returns>
    Task<DeliveryReceipt> PublishAsync(CalendarEventRequest request, CancellationToken cancellationToken);

    /// <summary>Cancels the event, with a comment sent to attendees.</summary>
    /// <param name="providerEventId">The id returned by <see cref="PublishAsync"/>.</param>
    /// <param name="comment">The comment, in French.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    Task CancelAsync(string providerEventId, string comment, CancellationToken cancellationToken);

    /// <summary>Reads the attendees' current answers.</summary>
    /// <param name="providerEventId">The event.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>One entry per attendee; <see cref="AttendeeAnswer.Response"/> is <c>none</c> for those who have not answered.</returns>
    Task<IReadOnlyList<AttendeeAnswer>> ReadAnswersAsync(string providerEventId, CancellationToken cancellationToken);
}

/// <summary>An event to publish.</summary>
/// <param name="IdempotencyKey">Stable per session and version (Graph <c>transactionId</c>).</param>
/// <param name="ProviderEventId">The existing event to update, or <see langword="null"/> to create one.</param>
/// <param name="Invitation">What the event says.</param>
/// <param name="Attendees">Who is invited.</param>
/// <param name="HtmlBody">The body, in French.</param>
/// <param name="OnlineMeeting">Whether to attach an online meeting (hybrid session).</param>
public sealed record CalendarEventRequest(
    string IdempotencyKey,
    string? ProviderEventId,
    CalendarInvitation Invitation,
    IReadOnlyList<Recipient> Attendees,
    string HtmlBody,
    bool OnlineMeeting);

/// <summary>An attendee's answer as the calendar holds it.</summary>
/// <param name="Address">The attendee's address (email or UPN).</param>
/// <param name="Response"><c>accepted</c>, <c>declined</c>, <c>tentativelyAccepted</c> or <c>none</c>.</param>
/// <param name="RespondedAt">When they answered, when known.</param>
public sealed record AttendeeAnswer(string Address, string Response, DateTimeOffset? RespondedAt);
