using System.Collections.Concurrent;
using IntegrationHub.Dispatch;
using IntegrationHub.PluginHost;
using IntegrationHub.Plugins.Channels;
using IntegrationHub.Plugins.Connectors;

namespace IntegrationHub.ConnectorInstances;

/// <summary>An electronic channel an authority delivers through, and the member address it needs.</summary>
public sealed record AuthorityChannel(string Name, RecipientAddress Address);

/// <summary>A channel ready to send, with the member address it delivers to (kept as evidence of where a message went).</summary>
public sealed record ResolvedChannel(IChannel Channel, RecipientAddress Address);

/// <summary>
/// Finds the channel behind a delivery: the authority's own connector instance of that name when it has one, else the
/// hub's embedded email channel for <c>email</c> (so a fresh install delivers without any configuration). Channels are
/// built once per settings revision and reused (an SMTP channel keeps its connections open between messages).
/// </summary>
public sealed class ChannelResolver(
    ConnectorStore store,
    ConnectorSecrets secrets,
    ConnectorTypeRegistry registry,
    IServiceProvider services,
    ILogger<ChannelResolver> logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<Guid, (int Revision, ResolvedChannel Resolved)> _cache = new();

    public async Task<ResolvedChannel?> ResolveAsync(Guid authorityId, string channelName, CancellationToken cancellationToken)
    {
        var instance = await store.GetAsync(authorityId, channelName, cancellationToken);
        if (instance is { Enabled: true })
        {
            if (_cache.TryGetValue(instance.Id, out var cached) && cached.Revision == instance.Revision)
            {
                return cached.Resolved;
            }
            var type = registry.Find(instance.Type)
                ?? throw new PermanentDeliveryException($"Connector type '{instance.Type}' of '{instance.Name}' is not loaded on this hub.");
            var channel = type.CreateChannel(secrets.ToSettings(instance), services)
                ?? throw new PermanentDeliveryException($"Connector '{instance.Name}' ({instance.Type}) does not deliver messages.");
            if (_cache.TryGetValue(instance.Id, out var stale))
            {
                await DisposeAsync(stale.Resolved.Channel);
            }
            var resolved = new ResolvedChannel(channel, type.Address);
            _cache[instance.Id] = (instance.Revision, resolved);
            return resolved;
        }
        return instance is null && channelName == ChannelNames.Email && services.GetKeyedService<IChannel>(ChannelNames.Email) is { } embedded
            ? new ResolvedChannel(embedded, RecipientAddress.Email)
            : null;
    }

    public async Task<RecipientAddress?> AddressOfAsync(Guid authorityId, string channelName, CancellationToken cancellationToken)
    {
        var instance = await store.GetAsync(authorityId, channelName, cancellationToken);
        return instance is not null ? registry.Find(instance.Type)?.Address : channelName == ChannelNames.Email ? RecipientAddress.Email : null;
    }

    /// <summary>The electronic channels of an authority: its enabled delivering connectors, plus the embedded email when it has none for email.</summary>
    public async Task<IReadOnlyList<AuthorityChannel>> ElectronicChannelsAsync(Guid authorityId, CancellationToken cancellationToken)
    {
        var channels = new List<AuthorityChannel>();
        foreach (var instance in await store.ListAsync(authorityId, cancellationToken))
        {
            if (!instance.Enabled)
            {
                continue;
            }
            if (registry.Find(instance.Type) is not { } type)
            {
                logger.LogWarning("Connector {Connector} of authority {AuthorityId} has type {Type}, which is not loaded", instance.Name, authorityId, instance.Type);
                continue;
            }
            if (type is Plugins.Timestamping.ITimestampAuthorityProvider or Plugins.Documents.IDocumentSourceProvider or Plugins.Calendars.ICalendarPublisherProvider)
            {
                // It serves the hub (a TSA, a document store) or publishes one calendar event per session, not one
                // message per member: a delivery on it through the channel path could only fail.
                continue;
            }
            channels.Add(new AuthorityChannel(instance.Name, type.Address));
        }
        if (!channels.Any(c => c.Address == RecipientAddress.Email))
        {
            channels.Insert(0, new AuthorityChannel(ChannelNames.Email, RecipientAddress.Email));
        }
        return channels;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, (_, resolved)) in _cache)
        {
            await DisposeAsync(resolved.Channel);
        }
        _cache.Clear();
    }

    private static async ValueTask DisposeAsync(IChannel channel)
    {
        switch (channel)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }
}
