using System.Collections.Concurrent;
using IntegrationHub.ConnectorInstances;
using IntegrationHub.PluginHost;
using IntegrationHub.Plugins.Calendars;

namespace IntegrationHub.Calendars;

/// <summary>
/// The calendar publisher of an authority: its first enabled connector whose type publishes calendar events (for
/// example <c>microsoft365</c>), or none. Publishers are built once per settings revision and reused, so a credential
/// keeps its token cache between jobs.
/// </summary>
public sealed class CalendarPublishers(ConnectorStore store, ConnectorSecrets secrets, ConnectorTypeRegistry registry, IServiceProvider services)
{
    private readonly ConcurrentDictionary<Guid, (int Revision, ICalendarPublisher Publisher)> _cache = new();

    public async Task<bool> HasPublisherAsync(Guid authorityId, CancellationToken cancellationToken) =>
        await FindAsync(authorityId, cancellationToken) is not null;

    public async Task<ICalendarPublisher?> ResolveAsync(Guid authorityId, CancellationToken cancellationToken) =>
        (await ResolveEntryAsync(authorityId, cancellationToken))?.Publisher;

    /// <summary>The publisher with the connector instance and settings revision it was built from.</summary>
    public async Task<CalendarPublisherEntry?> ResolveEntryAsync(Guid authorityId, CancellationToken cancellationToken)
    {
        if (await FindAsync(authorityId, cancellationToken) is not { } found)
        {
            return null;
        }
        var instance = found.Instance;
        if (_cache.TryGetValue(instance.Id, out var cached) && cached.Revision == instance.Revision)
        {
            return new CalendarPublisherEntry(instance.Id, instance.Revision, cached.Publisher);
        }
        var publisher = found.Provider.CreateCalendarPublisher(secrets.ToSettings(instance), services);
        _cache[instance.Id] = (instance.Revision, publisher);
        return new CalendarPublisherEntry(instance.Id, instance.Revision, publisher);
    }

    private async Task<(ConnectorInstance Instance, ICalendarPublisherProvider Provider)?> FindAsync(Guid authorityId, CancellationToken cancellationToken)
    {
        foreach (var instance in await store.ListAsync(authorityId, cancellationToken))
        {
            if (instance.Enabled && registry.Find(instance.Type) is ICalendarPublisherProvider provider)
            {
                return (instance, provider);
            }
        }
        return null;
    }
}

/// <summary>An authority's calendar publisher and the connector instance (and settings revision) it comes from.</summary>
public sealed record CalendarPublisherEntry(Guid ConnectorId, int Revision, ICalendarPublisher Publisher);
