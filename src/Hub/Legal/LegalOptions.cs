namespace IntegrationHub.Legal;

/// <summary>
/// Legal settings, bound from the configuration section <c>Hub:Legal</c>. Every legal constant has a built-in,
/// sourced default in <see cref="ConvocationRuleCatalog"/>; this class only adds or overrides lines of that table.
/// </summary>
public sealed class LegalOptions
{
    public const string SectionName = "Hub:Legal";

    /// <summary>
    /// Whether the « douze jours au moins » of départements and régions (CGCT L3121-19, L4132-18) is counted in jours
    /// francs. The text does not say « francs » and no ruling was found (LEGAL.md §1.2, UNCONFIRMED), so the default is
    /// the safe reading: <see langword="true"/>, latest sending day = meeting − 13 days; <see langword="false"/> gives
    /// meeting − 12 days.
    /// </summary>
    public bool DepartementRegionClearDays { get; set; } = true;

    /// <summary>
    /// Extra lines of the rule table. A line whose <see cref="ConvocationRuleEntry.Version"/> equals a built-in one
    /// replaces it; any other line is added, typically a reform with a later
    /// <see cref="ConvocationRuleEntry.EffectiveFrom"/> (LEGAL.md §1.8) or the delay that a règlement intérieur sets
    /// for a bureau, a commission or a CST. For a meeting date, the covering line with the latest effective date wins.
    /// </summary>
    public IList<ConvocationRuleEntry> ConvocationRules { get; } = [];
}
