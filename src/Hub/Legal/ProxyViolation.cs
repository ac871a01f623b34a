namespace IntegrationHub.Legal;

/// <summary>A broken proxy rule: a stable code (see <see cref="ProxyViolationCodes"/>) and a message in French for users.</summary>
public sealed record ProxyViolation(string Code, string Message);
