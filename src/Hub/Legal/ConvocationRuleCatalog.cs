using System.Globalization;

namespace IntegrationHub.Legal;

/// <summary>
/// The table of convocation rules with their effective dates. The legal delays and thresholds live here only; the
/// rest of the hub asks <see cref="Derive"/> for the rule in force and records it with the session.
/// </summary>
public sealed class ConvocationRuleCatalog
{
    private const string ConfigurationPath = LegalOptions.SectionName + ":" + nameof(LegalOptions.ConvocationRules);

    // The CGCT's legislative part (loi 96-142 of 21 Feb 1996) came into force on 24 Feb 1996: the earliest date from
    // which this table vouches for the delays of L2121-11, L2121-12, L3121-19 and L4132-18, which LEGAL.md gives as in
    // force in 2026. A reform is a new line with a later effective date, never an edit of these (LEGAL.md §1.8: whether
    // loi 2025-1249 changed L2121-11 and L2121-12 is UNCONFIRMED, check Légifrance before release).
    private static readonly DateOnly CgctCodification = new(1996, 2, 24);

    // CGCT L5211-1 al. 3, as worded by the loi NOTRe (2015-991) and applied from the 2020 renewal (Légifrance version
    // of 1 March 2020). The earlier EPCI rule is UNCONFIRMED (LEGAL.md §1.1), so the table has no EPCI line before it.
    private static readonly DateOnly EpciRuleFrom = new(2020, 3, 1);

    // CGCT L2121-11 / L2121-12: the threshold of 3 500 habitants.
    private const int CommunePopulationThreshold = 3500;

    private readonly ConvocationRuleEntry[] _entries;

    public ConvocationRuleCatalog(LegalOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        _entries = Build(options, errors);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, errors), nameof(options));
        }
    }

    public ConvocationRuleCatalog() : this(new LegalOptions())
    {
    }

    /// <summary>Every line of the table, built-in and configured, after overrides.</summary>
    public IReadOnlyList<ConvocationRuleEntry> Entries => _entries;

    /// <summary>The problems of a configuration, each naming its path and bad value; empty when it is valid.</summary>
    public static IReadOnlyList<string> Validate(LegalOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        Build(options, errors);
        return errors;
    }

    /// <summary>
    /// The rule in force on <paramref name="onDate"/> (the meeting date) for that kind of authority and assembly.
    /// </summary>
    /// <exception cref="InvalidOperationException">No line of the table covers that date.</exception>
    public ConvocationRule Derive(AuthorityKind authorityKind, int population, AssemblyKind assemblyKind, DateOnly onDate)
    {
        if (!Enum.IsDefined(authorityKind))
        {
            throw new ArgumentOutOfRangeException(nameof(authorityKind), authorityKind, "Type de collectivité inconnu.");
        }

        if (!Enum.IsDefined(assemblyKind))
        {
            throw new ArgumentOutOfRangeException(nameof(assemblyKind), assemblyKind, "Type d'assemblée inconnu.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(population);

        if (Find(authorityKind, population, assemblyKind, onDate) is { } specific)
        {
            return specific.ToRule();
        }

        var council = Find(authorityKind, population, AssemblyKind.Council, onDate)
            ?? throw new InvalidOperationException(string.Create(
                CultureInfo.InvariantCulture,
                $"Aucune règle de délai de convocation n'est en vigueur le {onDate:yyyy-MM-dd} pour ce type de collectivité ({authorityKind}, {population} habitants)."));

        // LEGAL.md §1.1: no statutory delay for a bureau, a commission (CGCT L2121-22 only sets the first meeting) or a
        // CST (décret 2021-571, delay UNCONFIRMED): the règlement intérieur governs. Until it is configured, use the
        // council's delay; the note de synthèse of L2121-12 concerns the council only.
        return new ConvocationRule(
            council.NoticeDays,
            council.UrgentNoticeDays,
            council.ClearDays,
            SynthesisNoteRequired: false,
            Source: $"Règlement intérieur ; par défaut, délai du conseil ({council.Source})",
            Version: $"defaut-delai-conseil/{council.Version}",
            council.EffectiveFrom);
    }

    private ConvocationRuleEntry? Find(AuthorityKind authorityKind, int population, AssemblyKind assemblyKind, DateOnly onDate)
    {
        ConvocationRuleEntry? best = null;
        foreach (var entry in _entries)
        {
            if (entry.EffectiveFrom <= onDate
                && entry.Covers(authorityKind, population, assemblyKind)
                && (best is null || entry.EffectiveFrom > best.EffectiveFrom))
            {
                best = entry;
            }
        }

        return best;
    }

    private static ConvocationRuleEntry[] BuiltIn(bool departementRegionClearDays)
    {
        var departementRegionCount = departementRegionClearDays
            ? "comptés en jours francs par prudence"
            : "décompte non franc, par configuration";
        var departementRegionVersionSuffix = departementRegionClearDays ? "" : "+non-francs";

        return
        [
            new()
            {
                // CGCT L2121-11: « trois jours francs au moins avant celui de la réunion » ; urgence : un jour franc.
                AuthorityKind = AuthorityKind.Commune,
                PopulationBelow = CommunePopulationThreshold,
                NoticeDays = 3,
                UrgentNoticeDays = 1,
                ClearDays = true,
                SynthesisNoteRequired = false,
                Source = "CGCT L2121-11 (communes de moins de 3 500 habitants)",
                Version = "cgct-l2121-11@1996-02-24",
                EffectiveFrom = CgctCodification,
            },
            new()
            {
                // CGCT L2121-12: cinq jours francs, with the note explicative de synthèse; urgence : un jour franc.
                AuthorityKind = AuthorityKind.Commune,
                PopulationAtLeast = CommunePopulationThreshold,
                NoticeDays = 5,
                UrgentNoticeDays = 1,
                ClearDays = true,
                SynthesisNoteRequired = true,
                Source = "CGCT L2121-12 (communes de 3 500 habitants et plus)",
                Version = "cgct-l2121-12@1996-02-24",
                EffectiveFrom = CgctCodification,
            },
            new()
            {
                // CGCT L5211-1 al. 3: every EPCI follows the rules of communes of 3 500 and more, whatever its size.
                AuthorityKind = AuthorityKind.Epci,
                NoticeDays = 5,
                UrgentNoticeDays = 1,
                ClearDays = true,
                SynthesisNoteRequired = true,
                Source = "CGCT L5211-1 al. 3 et L2121-12 (EPCI : règles des communes de 3 500 habitants et plus)",
                Version = "cgct-l5211-1@2020-03-01",
                EffectiveFrom = EpciRuleFrom,
            },
            new()
            {
                // CGCT L3121-19: reports sent « douze jours au moins avant la réunion » ; urgence : un jour franc.
                AuthorityKind = AuthorityKind.Departement,
                NoticeDays = 12,
                UrgentNoticeDays = 1,
                ClearDays = departementRegionClearDays,
                SynthesisNoteRequired = false,
                Source = $"CGCT L3121-19 (conseil départemental : douze jours au moins avant la réunion, {departementRegionCount})",
                Version = "cgct-l3121-19@1996-02-24" + departementRegionVersionSuffix,
                EffectiveFrom = CgctCodification,
            },
            new()
            {
                // CGCT L4132-18: the same twelve days for the conseil régional; urgence : un jour franc.
                AuthorityKind = AuthorityKind.Region,
                NoticeDays = 12,
                UrgentNoticeDays = 1,
                ClearDays = departementRegionClearDays,
                SynthesisNoteRequired = false,
                Source = $"CGCT L4132-18 (conseil régional : douze jours au moins avant la réunion, {departementRegionCount})",
                Version = "cgct-l4132-18@1996-02-24" + departementRegionVersionSuffix,
                EffectiveFrom = CgctCodification,
            },
            new()
            {
                // No delay of its own was identified for other authorities (syndicats mixtes, établissements publics…):
                // by prudence, the rule of communes of 3 500 and more (CGCT L2121-12), note de synthèse included.
                AuthorityKind = AuthorityKind.Other,
                NoticeDays = 5,
                UrgentNoticeDays = 1,
                ClearDays = true,
                SynthesisNoteRequired = true,
                Source = "Aucun délai légal propre identifié ; par défaut, règle des communes de 3 500 habitants et plus (CGCT L2121-12)",
                Version = "defaut-autre-autorite@1996-02-24",
                EffectiveFrom = CgctCodification,
            },
        ];
    }

    private static ConvocationRuleEntry[] Build(LegalOptions options, List<string> errors)
    {
        var entries = new List<ConvocationRuleEntry>(BuiltIn(options.DepartementRegionClearDays));
        var labels = entries.Select(e => $"règle intégrée « {e.Version} »").ToList();
        var configuredVersions = new HashSet<string>(StringComparer.Ordinal);

        for (var i = 0; i < options.ConvocationRules.Count; i++)
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"{ConfigurationPath}:{i}");
            var entry = options.ConvocationRules[i];
            if (entry is null)
            {
                errors.Add($"{path} : la règle est vide.");
                continue;
            }

            if (!CheckEntry(entry, path, errors))
            {
                continue;
            }

            if (!configuredVersions.Add(entry.Version))
            {
                errors.Add($"{path}:{nameof(ConvocationRuleEntry.Version)} : la version « {entry.Version} » est configurée deux fois.");
                continue;
            }

            var replaced = entries.FindIndex(e => e.Version == entry.Version);
            if (replaced >= 0)
            {
                entries[replaced] = entry;
                labels[replaced] = path;
            }
            else
            {
                entries.Add(entry);
                labels.Add(path);
            }
        }

        // Two lines covering the same case from the same date would make the result depend on their order.
        for (var i = 0; i < entries.Count; i++)
        {
            for (var j = i + 1; j < entries.Count; j++)
            {
                if (Overlap(entries[i], entries[j]))
                {
                    errors.Add(string.Create(
                        CultureInfo.InvariantCulture,
                        $"{labels[j]} : couvre les mêmes collectivités, assemblée et population que {labels[i]} à partir de la même date ({entries[j].EffectiveFrom:yyyy-MM-dd}) ; reprenez sa version « {entries[i].Version} » pour la remplacer, ou choisissez une autre date d'effet."));
                }
            }
        }

        return [.. entries];
    }

    private static bool CheckEntry(ConvocationRuleEntry entry, string path, List<string> errors)
    {
        var before = errors.Count;
        if (!Enum.IsDefined(entry.AuthorityKind))
        {
            errors.Add($"{path}:{nameof(entry.AuthorityKind)} : valeur inconnue « {entry.AuthorityKind} ».");
        }

        if (!Enum.IsDefined(entry.AssemblyKind))
        {
            errors.Add($"{path}:{nameof(entry.AssemblyKind)} : valeur inconnue « {entry.AssemblyKind} ».");
        }

        if (entry.NoticeDays < 0)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{path}:{nameof(entry.NoticeDays)} : le délai ne peut pas être négatif ({entry.NoticeDays})."));
        }

        if (entry.UrgentNoticeDays < 0)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{path}:{nameof(entry.UrgentNoticeDays)} : le délai d'urgence ne peut pas être négatif ({entry.UrgentNoticeDays})."));
        }
        else if (entry.NoticeDays >= 0 && entry.UrgentNoticeDays > entry.NoticeDays)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{path}:{nameof(entry.UrgentNoticeDays)} : le délai d'urgence ({entry.UrgentNoticeDays}) dépasse le délai ordinaire ({entry.NoticeDays})."));
        }

        if (entry.PopulationAtLeast < 0)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{path}:{nameof(entry.PopulationAtLeast)} : la population ne peut pas être négative ({entry.PopulationAtLeast})."));
        }

        if (entry.PopulationAtLeast is { } atLeast && entry.PopulationBelow is { } below && below <= atLeast)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{path}:{nameof(entry.PopulationBelow)} : la borne ({below}) doit être supérieure à {nameof(entry.PopulationAtLeast)} ({atLeast})."));
        }

        if (string.IsNullOrWhiteSpace(entry.Source))
        {
            errors.Add($"{path}:{nameof(entry.Source)} : la source juridique est obligatoire (article cité).");
        }

        if (string.IsNullOrWhiteSpace(entry.Version))
        {
            errors.Add($"{path}:{nameof(entry.Version)} : l'identifiant de version est obligatoire.");
        }

        if (entry.EffectiveFrom == default)
        {
            errors.Add($"{path}:{nameof(entry.EffectiveFrom)} : la date d'effet est obligatoire.");
        }

        return errors.Count == before;
    }

    private static bool Overlap(ConvocationRuleEntry a, ConvocationRuleEntry b) =>
        a.AuthorityKind == b.AuthorityKind
        && a.AssemblyKind == b.AssemblyKind
        && a.EffectiveFrom == b.EffectiveFrom
        && Math.Max(a.PopulationAtLeast ?? 0, b.PopulationAtLeast ?? 0)
            < Math.Min(a.PopulationBelow ?? int.MaxValue, b.PopulationBelow ?? int.MaxValue);
}
