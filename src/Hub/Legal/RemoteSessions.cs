namespace IntegrationHub.Legal;

/// <summary>
/// Which authorities may hold a session in several places by videoconference (LEGAL.md §9.2), and the article that
/// allows it. The convocation then mentions it (same articles).
/// </summary>
public static class RemoteSessions
{
    /// <summary>The article allowing a hybrid session for <paramref name="kind"/>, or <see langword="null"/> when none does.</summary>
    public static string? ArticleFor(AuthorityKind kind) => kind switch
    {
        // CGCT L5211-11-1 (every EPCI since loi 3DS 2022-217): the president may hold the council in several places by videoconference.
        AuthorityKind.Epci => "CGCT, art. L5211-11-1",
        // CGCT L4132-9-1: the same scheme for the conseil régional.
        AuthorityKind.Region => "CGCT, art. L4132-9-1",
        _ => null,
    };

    /// <summary>Why <paramref name="kind"/> may not hold a hybrid session, in French, for a 400.</summary>
    public static string Refusal(AuthorityKind kind) => kind switch
    {
        AuthorityKind.Commune =>
            "Un conseil municipal ne peut pas se réunir par visioconférence : le régime dérogatoire a pris fin le 1er août 2022 (hors dispositions d'outre-mer, CGCT, art. R2573-6-1). "
            + "La séance hybride est réservée aux EPCI (CGCT, art. L5211-11-1) et aux régions (CGCT, art. L4132-9-1).",
        // LEGAL.md §9.2: a parallel scheme for départements is likely but not confirmed; refused until it is.
        AuthorityKind.Departement =>
            "La réunion du conseil départemental par visioconférence n'est pas prise en charge : le texte qui l'autoriserait n'est pas confirmé. "
            + "La séance hybride est réservée aux EPCI (CGCT, art. L5211-11-1) et aux régions (CGCT, art. L4132-9-1).",
        _ => "La séance hybride (visioconférence) est réservée aux EPCI (CGCT, art. L5211-11-1) et aux régions (CGCT, art. L4132-9-1).",
    };
}
