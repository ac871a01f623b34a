using IntegrationHub.Legal;
using Xunit;

namespace IntegrationHub.Tests.Legal;

public class ConvocationRuleCatalogTests
{
    private static readonly DateOnly Meeting = new(2026, 3, 26);
    private static readonly ConvocationRuleCatalog Catalog = new();

    [Theory]
    [InlineData(0)]
    [InlineData(800)]
    [InlineData(3499)]
    public void Derive_CommuneBelow3500_ReturnsThreeClearDaysWithoutNote(int population)
    {
        var rule = Catalog.Derive(AuthorityKind.Commune, population, AssemblyKind.Council, Meeting);

        Assert.Equal(3, rule.NoticeDays);
        Assert.Equal(1, rule.UrgentNoticeDays);
        Assert.True(rule.ClearDays);
        Assert.False(rule.SynthesisNoteRequired);
        Assert.Equal("CGCT L2121-11 (communes de moins de 3 500 habitants)", rule.Source);
        Assert.Equal("cgct-l2121-11@1996-02-24", rule.Version);
        Assert.Equal(new DateOnly(1996, 2, 24), rule.EffectiveFrom);
    }

    [Theory]
    [InlineData(3500)]
    [InlineData(6200)]
    [InlineData(2_100_000)]
    public void Derive_Commune3500OrMore_ReturnsFiveClearDaysWithNote(int population)
    {
        var rule = Catalog.Derive(AuthorityKind.Commune, population, AssemblyKind.Council, Meeting);

        Assert.Equal(5, rule.NoticeDays);
        Assert.Equal(1, rule.UrgentNoticeDays);
        Assert.True(rule.ClearDays);
        Assert.True(rule.SynthesisNoteRequired);
        Assert.Equal("CGCT L2121-12 (communes de 3 500 habitants et plus)", rule.Source);
        Assert.Equal("cgct-l2121-12@1996-02-24", rule.Version);
    }

    [Theory]
    [InlineData(800)]
    [InlineData(0)]
    [InlineData(250_000)]
    public void Derive_EpciWhateverPopulation_ReturnsFiveClearDaysWithNote(int population)
    {
        var rule = Catalog.Derive(AuthorityKind.Epci, population, AssemblyKind.Council, Meeting);

        Assert.Equal(5, rule.NoticeDays);
        Assert.True(rule.ClearDays);
        Assert.True(rule.SynthesisNoteRequired);
        Assert.Contains("L5211-1", rule.Source, StringComparison.Ordinal);
        Assert.Equal("cgct-l5211-1@2020-03-01", rule.Version);
    }

    [Fact]
    public void Derive_EpciBefore2020Renewal_ThrowsInvalidOperationExceptionInFrench()
    {
        var exception = Assert.Throws<InvalidOperationException>(
            () => Catalog.Derive(AuthorityKind.Epci, 800, AssemblyKind.Council, new DateOnly(2019, 6, 1)));

        Assert.Contains("Aucune règle de délai de convocation n'est en vigueur le 2019-06-01", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(AuthorityKind.Departement, "CGCT L3121-19", "cgct-l3121-19@1996-02-24")]
    [InlineData(AuthorityKind.Region, "CGCT L4132-18", "cgct-l4132-18@1996-02-24")]
    public void Derive_DepartementOrRegionByDefault_ReturnsTwelveClearDays(AuthorityKind kind, string article, string version)
    {
        var rule = Catalog.Derive(kind, 1_000_000, AssemblyKind.Council, Meeting);

        Assert.Equal(12, rule.NoticeDays);
        Assert.Equal(1, rule.UrgentNoticeDays);
        Assert.True(rule.ClearDays);
        Assert.False(rule.SynthesisNoteRequired);
        Assert.StartsWith(article, rule.Source, StringComparison.Ordinal);
        Assert.Contains("jours francs", rule.Source, StringComparison.Ordinal);
        Assert.Equal(version, rule.Version);
    }

    [Theory]
    [InlineData(AuthorityKind.Departement, "cgct-l3121-19@1996-02-24+non-francs")]
    [InlineData(AuthorityKind.Region, "cgct-l4132-18@1996-02-24+non-francs")]
    public void Derive_DepartementOrRegionConfiguredNotClear_ReturnsTwelveDaysWithDistinctVersion(AuthorityKind kind, string version)
    {
        var catalog = new ConvocationRuleCatalog(new LegalOptions { DepartementRegionClearDays = false });

        var rule = catalog.Derive(kind, 1_000_000, AssemblyKind.Council, Meeting);

        Assert.Equal(12, rule.NoticeDays);
        Assert.False(rule.ClearDays);
        Assert.Equal(version, rule.Version);
    }

    [Theory]
    [InlineData(AuthorityKind.Commune, 800)]
    [InlineData(AuthorityKind.Commune, 6200)]
    [InlineData(AuthorityKind.Epci, 800)]
    [InlineData(AuthorityKind.Departement, 1_000_000)]
    [InlineData(AuthorityKind.Region, 6_000_000)]
    [InlineData(AuthorityKind.Other, 0)]
    public void Derive_AnyAuthority_UrgencyIsOneJourFranc(AuthorityKind kind, int population)
    {
        Assert.Equal(1, Catalog.Derive(kind, population, AssemblyKind.Council, Meeting).UrgentNoticeDays);
    }

    [Fact]
    public void Derive_OtherAuthority_DefaultsToFiveClearDaysWithNoteAndSaysSo()
    {
        var rule = Catalog.Derive(AuthorityKind.Other, 0, AssemblyKind.Council, Meeting);

        Assert.Equal(5, rule.NoticeDays);
        Assert.True(rule.ClearDays);
        Assert.True(rule.SynthesisNoteRequired);
        Assert.Contains("par défaut", rule.Source, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(AssemblyKind.Bureau)]
    [InlineData(AssemblyKind.Commission)]
    [InlineData(AssemblyKind.Cst)]
    [InlineData(AssemblyKind.Other)]
    public void Derive_NonCouncilAssemblyOfLargeCommune_DefaultsToCouncilDelayWithoutNote(AssemblyKind assembly)
    {
        var rule = Catalog.Derive(AuthorityKind.Commune, 6200, assembly, Meeting);

        Assert.Equal(5, rule.NoticeDays);
        Assert.Equal(1, rule.UrgentNoticeDays);
        Assert.True(rule.ClearDays);
        Assert.False(rule.SynthesisNoteRequired);
        Assert.StartsWith("Règlement intérieur ; par défaut, délai du conseil", rule.Source, StringComparison.Ordinal);
        Assert.Contains("L2121-12", rule.Source, StringComparison.Ordinal);
        Assert.Equal("defaut-delai-conseil/cgct-l2121-12@1996-02-24", rule.Version);
    }

    [Fact]
    public void Derive_EpciBureau_DefaultsToFiveClearDaysWithoutNote()
    {
        var rule = Catalog.Derive(AuthorityKind.Epci, 800, AssemblyKind.Bureau, Meeting);

        Assert.Equal(5, rule.NoticeDays);
        Assert.False(rule.SynthesisNoteRequired);
    }

    [Fact]
    public void Derive_DepartementCommission_DefaultsToTwelveDays()
    {
        var rule = Catalog.Derive(AuthorityKind.Departement, 1_000_000, AssemblyKind.Commission, Meeting);

        Assert.Equal(12, rule.NoticeDays);
        Assert.True(rule.ClearDays);
    }

    [Fact]
    public void Derive_ConfiguredCstDelay_WinsOverCouncilDefault()
    {
        var options = new LegalOptions();
        options.ConvocationRules.Add(new ConvocationRuleEntry
        {
            AuthorityKind = AuthorityKind.Commune,
            AssemblyKind = AssemblyKind.Cst,
            NoticeDays = 15,
            UrgentNoticeDays = 8,
            ClearDays = false,
            Source = "Règlement intérieur du CST (décret 2021-571)",
            Version = "ri-cst@2023-01-01",
            EffectiveFrom = new DateOnly(2023, 1, 1),
        });
        var catalog = new ConvocationRuleCatalog(options);

        var rule = catalog.Derive(AuthorityKind.Commune, 6200, AssemblyKind.Cst, Meeting);

        Assert.Equal(new ConvocationRule(15, 8, false, false, "Règlement intérieur du CST (décret 2021-571)", "ri-cst@2023-01-01", new DateOnly(2023, 1, 1)), rule);
        Assert.Equal(5, catalog.Derive(AuthorityKind.Commune, 6200, AssemblyKind.Commission, Meeting).NoticeDays);
    }

    [Fact]
    public void Derive_ConfiguredReformWithLaterEffectiveDate_AppliesFromThatMeetingDateOnly()
    {
        var options = new LegalOptions();
        options.ConvocationRules.Add(new ConvocationRuleEntry
        {
            AuthorityKind = AuthorityKind.Commune,
            PopulationBelow = 3500,
            NoticeDays = 5,
            Source = "CGCT L2121-11 modifié (réforme hypothétique)",
            Version = "cgct-l2121-11@2027-01-01",
            EffectiveFrom = new DateOnly(2027, 1, 1),
        });
        var catalog = new ConvocationRuleCatalog(options);

        var before = catalog.Derive(AuthorityKind.Commune, 800, AssemblyKind.Council, new DateOnly(2026, 12, 31));
        var after = catalog.Derive(AuthorityKind.Commune, 800, AssemblyKind.Council, new DateOnly(2027, 1, 1));

        Assert.Equal(3, before.NoticeDays);
        Assert.Equal("cgct-l2121-11@1996-02-24", before.Version);
        Assert.Equal(5, after.NoticeDays);
        Assert.Equal(1, after.UrgentNoticeDays);
        Assert.True(after.ClearDays);
        Assert.Equal("cgct-l2121-11@2027-01-01", after.Version);
        Assert.Equal(5, catalog.Derive(AuthorityKind.Commune, 6200, AssemblyKind.Council, new DateOnly(2027, 1, 1)).NoticeDays);
    }

    [Fact]
    public void Constructor_ConfiguredEntryWithBuiltInVersion_ReplacesBuiltInEntry()
    {
        var options = new LegalOptions();
        options.ConvocationRules.Add(new ConvocationRuleEntry
        {
            AuthorityKind = AuthorityKind.Commune,
            PopulationAtLeast = 3500,
            NoticeDays = 5,
            SynthesisNoteRequired = true,
            Source = "CGCT L2121-12 (texte vérifié sur Légifrance)",
            Version = "cgct-l2121-12@1996-02-24",
            EffectiveFrom = new DateOnly(1996, 2, 24),
        });
        var catalog = new ConvocationRuleCatalog(options);

        var rule = catalog.Derive(AuthorityKind.Commune, 6200, AssemblyKind.Council, Meeting);

        Assert.Equal("CGCT L2121-12 (texte vérifié sur Légifrance)", rule.Source);
        Assert.Single(catalog.Entries, e => e.Version == "cgct-l2121-12@1996-02-24");
    }

    [Fact]
    public void Constructor_ConfiguredEntryAmbiguousWithBuiltIn_ThrowsNamingPathAndVersion()
    {
        var options = new LegalOptions();
        options.ConvocationRules.Add(new ConvocationRuleEntry
        {
            AuthorityKind = AuthorityKind.Commune,
            PopulationBelow = 1000,
            NoticeDays = 4,
            Source = "test",
            Version = "autre-version",
            EffectiveFrom = new DateOnly(1996, 2, 24),
        });

        var exception = Assert.Throws<ArgumentException>(() => new ConvocationRuleCatalog(options));

        Assert.Contains("Hub:Legal:ConvocationRules:0", exception.Message, StringComparison.Ordinal);
        Assert.Contains("cgct-l2121-11@1996-02-24", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_InvalidEntry_ReturnsOneErrorPerProblemNamingPathAndValue()
    {
        var options = new LegalOptions();
        options.ConvocationRules.Add(new ConvocationRuleEntry
        {
            AuthorityKind = AuthorityKind.Commune,
            AssemblyKind = AssemblyKind.Commission,
            NoticeDays = 3,
            Source = "ok",
            Version = "ok@2024-01-01",
            EffectiveFrom = new DateOnly(2024, 1, 1),
        });
        options.ConvocationRules.Add(new ConvocationRuleEntry
        {
            AuthorityKind = AuthorityKind.Commune,
            NoticeDays = -2,
            PopulationAtLeast = 5000,
            PopulationBelow = 1000,
            Source = " ",
            Version = "",
        });

        var errors = ConvocationRuleCatalog.Validate(options);

        Assert.Equal(5, errors.Count);
        Assert.All(errors, e => Assert.StartsWith("Hub:Legal:ConvocationRules:1:", e, StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Hub:Legal:ConvocationRules:1:NoticeDays", StringComparison.Ordinal) && e.Contains("(-2)", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Hub:Legal:ConvocationRules:1:PopulationBelow", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Hub:Legal:ConvocationRules:1:Source", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Hub:Legal:ConvocationRules:1:Version", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Hub:Legal:ConvocationRules:1:EffectiveFrom", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_UrgentDelayLongerThanOrdinary_ReturnsError()
    {
        var options = new LegalOptions();
        options.ConvocationRules.Add(new ConvocationRuleEntry
        {
            AuthorityKind = AuthorityKind.Epci,
            AssemblyKind = AssemblyKind.Bureau,
            NoticeDays = 2,
            UrgentNoticeDays = 3,
            Source = "test",
            Version = "test@2024-01-01",
            EffectiveFrom = new DateOnly(2024, 1, 1),
        });

        var error = Assert.Single(ConvocationRuleCatalog.Validate(options));

        Assert.StartsWith("Hub:Legal:ConvocationRules:0:UrgentNoticeDays", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SameVersionConfiguredTwice_ReturnsError()
    {
        var entry = new ConvocationRuleEntry
        {
            AuthorityKind = AuthorityKind.Epci,
            AssemblyKind = AssemblyKind.Bureau,
            NoticeDays = 3,
            Source = "test",
            Version = "ri-bureau@2024-01-01",
            EffectiveFrom = new DateOnly(2024, 1, 1),
        };
        var options = new LegalOptions();
        options.ConvocationRules.Add(entry);
        options.ConvocationRules.Add(entry with { NoticeDays = 4 });

        var error = Assert.Single(ConvocationRuleCatalog.Validate(options));

        Assert.StartsWith("Hub:Legal:ConvocationRules:1:Version", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DefaultOptions_ReturnsNoError()
    {
        Assert.Empty(ConvocationRuleCatalog.Validate(new LegalOptions()));
        Assert.Empty(ConvocationRuleCatalog.Validate(new LegalOptions { DepartementRegionClearDays = false }));
    }

    [Fact]
    public void Derive_NegativePopulation_ThrowsArgumentOutOfRangeException()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Catalog.Derive(AuthorityKind.Commune, -1, AssemblyKind.Council, Meeting));
    }

    [Fact]
    public void Derive_UndefinedAuthorityKind_ThrowsArgumentOutOfRangeException()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Catalog.Derive((AuthorityKind)42, 800, AssemblyKind.Council, Meeting));
    }

    [Fact]
    public void Entries_BuiltInTable_EachEntryHasSourceVersionAndEffectiveDate()
    {
        Assert.Equal(6, Catalog.Entries.Count);
        Assert.All(Catalog.Entries, e =>
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Source));
            Assert.Contains("@", e.Version, StringComparison.Ordinal);
            Assert.NotEqual(default, e.EffectiveFrom);
        });
        Assert.Equal(Catalog.Entries.Count, Catalog.Entries.Select(e => e.Version).Distinct().Count());
    }
}
