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
    // One lock for every connector: building a channel is quick and does no I/O (settings, a signer, a pool lease; the
    // first connection opens on the first send), and holding it across the check and the build is what makes one
    // channel per connector and revision. Two workers resolving the same connector at once (the start of a dispatch)
    // used to build two: one was then either disposed under the other's sends or overwritten without being disposed,
    // and a leaked email channel kept its shared SMTP pool, authenticated with maybe old credentials, open for ever.
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, (int Revision, ResolvedChannel Resolved)> _cache = [];
    private bool _disposed;

    /// <remarks>
    /// A channel is disposed only when a newer revision of its connector replaces it, or with the resolver. Callers
    /// hold no lease on what they get (a delivery batch keeps its channel for up to 16 messages), so a replaced
    /// channel can still be in use: a channel must then fail its next sends as transient, and the retry resolves the
    /// connector again with its current settings (EmailChannel does; a send already on the wire completes).
    /// </remarks>
    public async Task<ResolvedChannel?> ResolveAsync(Guid authorityId, string channelName, CancellationToken cancellationToken)
    {
        var instance = await store.GetAsync(authorityId, channelName, cancellationToken);
        if (instance is { Enabled: true })
        {
            var (resolved, replaced) = CachedOrCreated(instance);
            if (replaced is not null)
            {
                await DisposeAsync(replaced.Channel);
            }
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
        List<ResolvedChannel> open;
        lock (_gate)
        {
            _disposed = true;
            open = [.. _cache.Values.Select(entry => entry.Resolved)];
            _cache.Clear();
        }
        foreach (var resolved in open)
        {
            await DisposeAsync(resolved.Channel);
        }
    }

    /// <summary>The channel of the instance's revision, built when missing, and the one it replaced (to dispose).</summary>
    private (ResolvedChannel Resolved, ResolvedChannel? Replaced) CachedOrCreated(ConnectorInstance instance)
    {
        lock (_gate)
        {
            // After the hub stopped, a channel built here would never be disposed.
            ObjectDisposedException.ThrowIf(_disposed, this);
            var found = _cache.TryGetValue(instance.Id, out var cached);
            if (found && cached.Revision >= instance.Revision)
            {
                // A newer one than this caller read is the connector's current settings: an older one must not be
                // built beside it (it would replace nothing and be disposed by no one).
                return (cached.Resolved, null);
            }
            var type = registry.Find(instance.Type)
                ?? throw new PermanentDeliveryException($"Connector type '{instance.Type}' of '{instance.Name}' is not loaded on this hub.");
            var channel = type.CreateChannel(secrets.ToSettings(instance), services)
                ?? throw new PermanentDeliveryException($"Connector '{instance.Name}' ({instance.Type}) does not deliver messages.");
            var resolved = new ResolvedChannel(channel, type.Address);
            _cache[instance.Id] = (instance.Revision, resolved);
            return (resolved, found ? cached.Resolved : null);
        }
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
