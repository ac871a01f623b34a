namespace IntegrationHub.Legal;

/// <summary>
/// The kind of assembly convened. <see cref="Council"/> is the deliberative assembly (conseil municipal,
/// communautaire, départemental or régional); the others have no statutory convocation delay (LEGAL.md §1.1).
/// </summary>
public enum AssemblyKind
{
    Council,
    Bureau,
    Commission,
    Cst,
    Other,
}
