namespace IntegrationHub.Plugins.Calendars;

/// <summary>
/// Implemented by a <see cref="ICalendarPublisher"/> whose provider pushes a notification when an event of the organiser
/// calendar changes (for example a Microsoft Graph subscription). The hub then reads the answers at once instead of
/// waiting for its next poll. Failures follow the channel contract.
/// </summary>
public interface ICalendarChangeNotifications
{
    /// <summary>The longest lifetime the provider grants a subscription; the hub renews well before it ends.</summary>
    TimeSpan MaxSubscriptionLifetime { get; }

    /// <summary>
    /// Subscribes to changes of the organiser calendar's events. The provider checks <paramref name="request"/>'s
    /// notification URL before it answers (a handshake the hub's endpoint performs).
    /// </summary>
    /// <param name="request">Where to notify, the secret every notification carries back, and until when.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The subscription as the provider created it.</returns>
    Task<CalendarSubscription> SubscribeAsync(CalendarSubscriptionRequest request, CancellationToken cancellationToken);

    /// <summary>Extends a subscription.</summary>
    /// <param name="subscriptionId">The provider's subscription id.</param>
    /// <param name="expiresAt">The new end, at most <see cref="MaxSubscriptionLifetime"/> from now.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The end the provider granted.</returns>
    /// <exception cref="Channels.PermanentDeliveryException">The subscription no longer exists (subscribe again) or was refused.</exception>
    Task<DateTimeOffset> RenewAsync(string subscriptionId, DateTimeOffset expiresAt, CancellationToken cancellationToken);
}

/// <summary>A subscription to create.</summary>
/// <param name="NotificationUrl">The hub's public notification endpoint.</param>
/// <param name="ClientState">A random secret the provider sends back with every notification.</param>
/// <param name="ExpiresAt">When it should end.</param>
public sealed record CalendarSubscriptionRequest(Uri NotificationUrl, string ClientState, DateTimeOffset ExpiresAt);

/// <summary>A subscription the provider created.</summary>
/// <param name="Id">The provider's id.</param>
/// <param name="Resource">What it watches, for example <c>/users/secretariat@mairie.fr/events</c>.</param>
/// <param name="ExpiresAt">When it ends unless renewed.</param>
public sealed record CalendarSubscription(string Id, string Resource, DateTimeOffset ExpiresAt);

/// <summary>
/// Implemented by a <see cref="ICalendarPublisher"/> that reads several events' answers in fewer round trips (for
/// example Microsoft Graph JSON batching).
/// </summary>
public interface ICalendarBatchReader
{
    /// <summary>Reads the attendees' answers of several events.</summary>
    /// <param name="providerEventIds">The events.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>One entry per distinct event id: its answers, or why they could not be read this time.</returns>
    Task<IReadOnlyList<CalendarEventAnswers>> ReadAnswersAsync(IReadOnlyList<string> providerEventIds, CancellationToken cancellationToken);
}

/// <summary>The answers read for one event, or the failure of that read.</summary>
/// <param name="ProviderEventId">The event.</param>
/// <param name="Answers">The answers, or <see langword="null"/> when the read failed.</param>
/// <param name="Failure">Why the read failed, or <see langword="null"/>.</param>
/// <param name="Transient">Whether the failure may pass if tried again later.</param>
public sealed record CalendarEventAnswers(string ProviderEventId, IReadOnlyList<AttendeeAnswer>? Answers, string? Failure = null, bool Transient = false);
