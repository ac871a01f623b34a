namespace IntegrationHub.Legal;

/// <summary>
/// One convocation rule, as applied: recorded with every session and in the evidence, so that a deadline can be
/// recomputed years later with the rule that was in force.
/// </summary>
/// <param name="NoticeDays">Minimum delay in days (3, 5, 12…).</param>
/// <param name="UrgentNoticeDays">Minimum delay in urgency, always counted in jours francs (1 by default).</param>
/// <param name="ClearDays">
/// <see langword="true"/> for jours francs (latest sending day = meeting − (n + 1) days);
/// <see langword="false"/> for « n jours au moins » (meeting − n days).
/// </param>
/// <param name="SynthesisNoteRequired">A note explicative de synthèse must be sent with the convocation (CGCT L2121-12).</param>
/// <param name="Source">The legal source, in French, citing the article.</param>
/// <param name="Version">Stable identifier of this rule version, for example <c>cgct-l2121-12@1996-02-24</c>.</param>
/// <param name="EffectiveFrom">First meeting date to which this rule version applies.</param>
public sealed record ConvocationRule(
    int NoticeDays,
    int UrgentNoticeDays,
    bool ClearDays,
    bool SynthesisNoteRequired,
    string Source,
    string Version,
    DateOnly EffectiveFrom);
