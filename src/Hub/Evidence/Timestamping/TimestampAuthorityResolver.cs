using System.Collections.Concurrent;
using IntegrationHub.ConnectorInstances;
using IntegrationHub.PluginHost;
using IntegrationHub.Plugins.Timestamping;

namespace IntegrationHub.Evidence.Timestamping;

/// <summary>
/// The authority's first enabled connector instance (by name) whose type is an <see cref="ITimestampAuthorityProvider"/>
/// (an <c>rfc3161</c> TSA), else the hub's <see cref="BuiltInTimestampAuthority"/>. Authorities are built once per
/// settings revision and reused, like channels.
/// </summary>
/// <remarks>
/// A configured TSA whose settings cannot be used throws <c>ConnectorConfigurationException</c>: it never falls back
/// to the built-in TSA silently, which would take away the qualification the DSI chose without anyone noticing.
/// </remarks>
public sealed class TimestampAuthorityResolver(
    ConnectorStore store,
    ConnectorSecrets secrets,
    ConnectorTypeRegistry registry,
    BuiltInTimestampAuthority builtIn,
    IServiceProvider services) : ITimestampAuthorityResolver
{
    private readonly ConcurrentDictionary<Guid, (int Revision, ITimestampAuthority Authority)> _cache = new();

    public async Task<ITimestampAuthority> ForAuthorityAsync(Guid authorityId, CancellationToken cancellationToken)
    {
        foreach (var instance in await store.ListAsync(authorityId, cancellationToken))
        {
            if (!instance.Enabled || registry.Find(instance.Type) is not ITimestampAuthorityProvider provider)
            {
                continue;
            }

            if (_cache.TryGetValue(instance.Id, out var cached) && cached.Revision == instance.Revision)
            {
                return cached.Authority;
            }

            var authority = provider.CreateTimestampAuthority(secrets.ToSettings(instance), services);
            _cache[instance.Id] = (instance.Revision, authority);
            return authority;
        }

        return builtIn;
    }
}
