namespace IntegrationHub.Legal;

/// <summary>
/// Proxies of council members (CGCT L2121-20, in force since 24 Feb 1996, applied to EPCI through L5211-1):
/// « Un conseiller municipal empêché d'assister à une séance peut donner à un collègue de son choix pouvoir écrit de
/// voter en son nom. Un même conseiller municipal ne peut être porteur que d'un seul pouvoir. Le pouvoir est toujours
/// révocable. Sauf cas de maladie dûment constatée, il ne peut être valable pour plus de trois séances consécutives. »
/// </summary>
public static class ProxyRules
{
    /// <summary>CGCT L2121-20: « plus de trois séances consécutives », unless the illness is duly established.</summary>
    public const int MaxConsecutiveSessions = 3;

    /// <summary>L2121-20: « Un même conseiller municipal ne peut être porteur que d'un seul pouvoir. »</summary>
    public static readonly ProxyViolation HolderAlreadyHoldsProxy = new(
        ProxyViolationCodes.HolderAlreadyHoldsProxy,
        "Ce conseiller détient déjà un pouvoir pour cette séance : un même conseiller ne peut être porteur que d'un seul pouvoir (CGCT, art. L2121-20).");

    /// <summary>
    /// <see langword="null"/> when the proxy is valid; otherwise the first broken rule, checked in this order: the
    /// holder is someone else, in office in the assembly, able to attend, holds no other proxy; then the limit of
    /// consecutive sessions.
    /// </summary>
    public static ProxyViolation? Validate(ProxyFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentOutOfRangeException.ThrowIfNegative(facts.PrincipalPrecedingConsecutiveProxies);

        // L2121-20: the proxy is given « à un collègue de son choix ».
        if (facts.HolderIsPrincipal)
        {
            return new(
                ProxyViolationCodes.HolderIsPrincipal,
                "Un conseiller ne peut pas se donner pouvoir à lui-même : le pouvoir est donné à un collègue de son choix (CGCT, art. L2121-20).");
        }

        // L2121-20: a « collègue » is a member in office of the same assembly (LEGAL.md §4, engine validations).
        if (!facts.HolderInOfficeInAssembly)
        {
            return new(
                ProxyViolationCodes.HolderNotInOffice,
                "Le mandataire doit être un membre en exercice de la même assemblée à la date de la séance : le pouvoir est donné à un collègue (CGCT, art. L2121-20).");
        }

        // L2121-20: the holder votes « en son nom » during the session, so must attend it (LEGAL.md §4).
        if (facts.HolderIsAbsentOrDelegating)
        {
            return new(
                ProxyViolationCodes.HolderAbsentOrDelegating,
                "Le mandataire a déclaré être absent ou a lui-même donné pouvoir pour cette séance : il ne pourra pas voter au nom de son collègue (CGCT, art. L2121-20).");
        }

        // L2121-20: « Un même conseiller municipal ne peut être porteur que d'un seul pouvoir. »
        if (facts.HolderAlreadyHoldsProxyForSession)
        {
            return HolderAlreadyHoldsProxy;
        }

        // L2121-20: « Sauf cas de maladie dûment constatée, il ne peut être valable pour plus de trois séances
        // consécutives. » Whether a new proxy may follow three consecutive sessions is UNCONFIRMED (LEGAL.md §10.10):
        // the prudent reading rejects any fourth consecutive session represented by proxy.
        if (facts.PrincipalPrecedingConsecutiveProxies >= MaxConsecutiveSessions && !facts.IllnessCertified)
        {
            return new(
                ProxyViolationCodes.ConsecutiveSessionsExceeded,
                "Ce conseiller a déjà été représenté lors des trois séances consécutives précédentes : sauf cas de maladie dûment constatée, un pouvoir ne peut être valable pour plus de trois séances consécutives (CGCT, art. L2121-20).");
        }

        return null;
    }
}
