using IntegrationHub.Legal;
using Xunit;

namespace IntegrationHub.Tests.Legal;

public class LegalOptionsValidatorTests
{
    [Fact]
    public void Validate_DefaultOptions_Succeeds()
    {
        Assert.True(new LegalOptionsValidator().Validate(null, new LegalOptions()).Succeeded);
    }

    [Fact]
    public void Validate_NegativeDelay_FailsNamingConfigurationPath()
    {
        var options = new LegalOptions();
        options.ConvocationRules.Add(new ConvocationRuleEntry
        {
            AuthorityKind = AuthorityKind.Commune,
            AssemblyKind = AssemblyKind.Commission,
            NoticeDays = -1,
            UrgentNoticeDays = 0,
            Source = "Règlement intérieur",
            Version = "ri-commissions@2024-01-01",
            EffectiveFrom = new DateOnly(2024, 1, 1),
        });

        var result = new LegalOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith("Hub:Legal:ConvocationRules:0:NoticeDays", failure, StringComparison.Ordinal);
    }
}
