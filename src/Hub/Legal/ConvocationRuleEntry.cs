namespace IntegrationHub.Legal;

/// <summary>
/// One line of the convocation rule table: which authorities, assemblies and populations it covers, the rule, and
/// the first meeting date it applies to. Built-in lines live in <see cref="ConvocationRuleCatalog"/>; more can be
/// configured under <c>Hub:Legal:ConvocationRules</c> (see <see cref="LegalOptions"/>).
/// </summary>
public sealed record ConvocationRuleEntry
{
    public AuthorityKind AuthorityKind { get; init; }

    public AssemblyKind AssemblyKind { get; init; } = AssemblyKind.Council;

    /// <summary>Inclusive lower bound of the population (« … habitants et plus »); <see langword="null"/> for no bound.</summary>
    public int? PopulationAtLeast { get; init; }

    /// <summary>Exclusive upper bound of the population (« moins de … habitants »); <see langword="null"/> for no bound.</summary>
    public int? PopulationBelow { get; init; }

    public int NoticeDays { get; init; }

    /// <summary>Defaults to one jour franc, the floor in urgency in every CGCT article (L2121-11, L2121-12, L3121-19, L4132-18).</summary>
    public int UrgentNoticeDays { get; init; } = 1;

    public bool ClearDays { get; init; } = true;

    public bool SynthesisNoteRequired { get; init; }

    public string Source { get; init; } = "";

    public string Version { get; init; } = "";

    public DateOnly EffectiveFrom { get; init; }

    public bool Covers(AuthorityKind authorityKind, int population, AssemblyKind assemblyKind) =>
        AuthorityKind == authorityKind
        && AssemblyKind == assemblyKind
        && (PopulationAtLeast is not { } atLeast || population >= atLeast)
        && (PopulationBelow is not { } below || population < below);

    public ConvocationRule ToRule() =>
        new(NoticeDays, UrgentNoticeDays, ClearDays, SynthesisNoteRequired, Source, Version, EffectiveFrom);
}
