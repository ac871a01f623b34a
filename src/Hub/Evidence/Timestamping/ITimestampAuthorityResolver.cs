using IntegrationHub.Plugins.Timestamping;

namespace IntegrationHub.Evidence.Timestamping;

/// <summary>
/// Which time-stamping authority stamps an authority's ledger: its own enabled connector instance whose type is an
/// <see cref="ITimestampAuthorityProvider"/> (an external, ideally qualified, TSA), else the hub's built-in TSA.
/// </summary>
public interface ITimestampAuthorityResolver
{
    /// <summary>The authority that stamps the ledger of <paramref name="authorityId"/>.</summary>
    /// <param name="authorityId">The local authority (tenant).</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The TSA; never <see langword="null"/> (the built-in one is the fallback).</returns>
    Task<ITimestampAuthority> ForAuthorityAsync(Guid authorityId, CancellationToken cancellationToken);
}
