namespace IntegrationHub.Legal;

/// <summary>The codes of <see cref="ProxyViolation"/>, stable for API clients.</summary>
public static class ProxyViolationCodes
{
    public const string HolderIsPrincipal = "holder-is-principal";
    public const string HolderNotInOffice = "holder-not-in-office";
    public const string HolderAbsentOrDelegating = "holder-absent-or-delegating";
    public const string HolderAlreadyHoldsProxy = "holder-already-holds-proxy";
    public const string ConsecutiveSessionsExceeded = "consecutive-sessions-exceeded";
}
