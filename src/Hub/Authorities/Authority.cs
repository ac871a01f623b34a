using IntegrationHub.Legal;

namespace IntegrationHub.Authorities;

/// <summary>A collectivité: the tenant every other row belongs to.</summary>
public sealed record Authority(
    Guid Id,
    string Name,
    AuthorityKind Kind,
    int Population,
    string Siren,
    string DepartmentCode,
    DateTimeOffset CreatedAt);
