namespace IntegrationHub.Legal;

/// <summary>The facts a proxy (pouvoir) is checked against, gathered by the caller from the database.</summary>
/// <param name="HolderIsPrincipal">The holder (mandataire) is the member who gives the proxy.</param>
/// <param name="HolderInOfficeInAssembly">The holder is a member in office of the same assembly on the meeting date.</param>
/// <param name="HolderAlreadyHoldsProxyForSession">Another member already gave this holder a proxy for this session.</param>
/// <param name="HolderIsAbsentOrDelegating">The holder answered absent, or gave their own proxy, for this session.</param>
/// <param name="PrincipalPrecedingConsecutiveProxies">
/// How many immediately preceding sessions of this assembly the principal was represented by a proxy.
/// </param>
/// <param name="IllnessCertified">The principal's illness is duly established (certificate); only this fact is stored.</param>
public sealed record ProxyFacts(
    bool HolderIsPrincipal,
    bool HolderInOfficeInAssembly,
    bool HolderAlreadyHoldsProxyForSession,
    bool HolderIsAbsentOrDelegating,
    int PrincipalPrecedingConsecutiveProxies,
    bool IllnessCertified);
