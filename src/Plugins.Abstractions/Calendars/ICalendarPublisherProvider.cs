using IntegrationHub.Plugins.Connectors;

namespace IntegrationHub.Plugins.Calendars;

/// <summary>
/// Implemented by a connector type whose instances put sessions in the members' calendars (for example Microsoft 365
/// through Microsoft Graph). The hub creates no member channel for such a type: it publishes one event per session.
/// </summary>
public interface ICalendarPublisherProvider
{
    /// <summary>Creates the publisher of one configured instance. Cheap: it should open no connection.</summary>
    /// <param name="settings">The instance's validated settings.</param>
    /// <param name="services">The hub's services (for <c>TimeProvider</c>, loggers).</param>
    /// <returns>The publisher.</returns>
    /// <exception cref="ConnectorConfigurationException">A setting is missing or unusable.</exception>
    ICalendarPublisher CreateCalendarPublisher(ConnectorSettings settings, IServiceProvider services);
}
