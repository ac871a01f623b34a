using IntegrationHub.Legal;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace IntegrationHub.Tests.Legal;

public class LegalOptionsTests
{
    [Fact]
    public void Constructor_Defaults_CountDepartementRegionDelayInClearDaysWithNoExtraRule()
    {
        var options = new LegalOptions();

        Assert.True(options.DepartementRegionClearDays);
        Assert.Empty(options.ConvocationRules);
    }

    [Fact]
    public void Bind_HubLegalSection_ReadsSwitchAndRuleEntries()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Hub:Legal:DepartementRegionClearDays"] = "false",
                ["Hub:Legal:ConvocationRules:0:AuthorityKind"] = "Commune",
                ["Hub:Legal:ConvocationRules:0:PopulationBelow"] = "3500",
                ["Hub:Legal:ConvocationRules:0:NoticeDays"] = "5",
                ["Hub:Legal:ConvocationRules:0:Source"] = "CGCT L2121-11 modifié par la loi 2025-1249",
                ["Hub:Legal:ConvocationRules:0:Version"] = "cgct-l2121-11@2026-03-01",
                ["Hub:Legal:ConvocationRules:0:EffectiveFrom"] = "2026-03-01",
                ["Hub:Legal:ConvocationRules:1:AuthorityKind"] = "Epci",
                ["Hub:Legal:ConvocationRules:1:AssemblyKind"] = "Cst",
                ["Hub:Legal:ConvocationRules:1:NoticeDays"] = "15",
                ["Hub:Legal:ConvocationRules:1:UrgentNoticeDays"] = "8",
                ["Hub:Legal:ConvocationRules:1:ClearDays"] = "false",
                ["Hub:Legal:ConvocationRules:1:Source"] = "Règlement intérieur du CST",
                ["Hub:Legal:ConvocationRules:1:Version"] = "ri-cst@2023-01-01",
                ["Hub:Legal:ConvocationRules:1:EffectiveFrom"] = "2023-01-01",
            })
            .Build();
        var options = new LegalOptions();

        configuration.GetSection(LegalOptions.SectionName).Bind(options);

        Assert.False(options.DepartementRegionClearDays);
        Assert.Equal(2, options.ConvocationRules.Count);
        Assert.Equal(
            new ConvocationRuleEntry
            {
                AuthorityKind = AuthorityKind.Commune,
                PopulationBelow = 3500,
                NoticeDays = 5,
                Source = "CGCT L2121-11 modifié par la loi 2025-1249",
                Version = "cgct-l2121-11@2026-03-01",
                EffectiveFrom = new DateOnly(2026, 3, 1),
            },
            options.ConvocationRules[0]);
        var catalog = new ConvocationRuleCatalog(options);
        Assert.Equal(5, catalog.Derive(AuthorityKind.Commune, 800, AssemblyKind.Council, new DateOnly(2026, 3, 26)).NoticeDays);
        Assert.Equal(15, catalog.Derive(AuthorityKind.Epci, 800, AssemblyKind.Cst, new DateOnly(2026, 3, 26)).NoticeDays);
        Assert.False(catalog.Derive(AuthorityKind.Region, 6_000_000, AssemblyKind.Council, new DateOnly(2026, 3, 26)).ClearDays);
    }
}
