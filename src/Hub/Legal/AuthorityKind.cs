namespace IntegrationHub.Legal;

/// <summary>The kind of local authority (collectivité or EPCI) that convenes an assembly.</summary>
public enum AuthorityKind
{
    Commune,
    Epci,
    Departement,
    Region,
    Other,
}
