using System.Text.RegularExpressions;
using IntegrationHub.Legal;
using Xunit;

namespace IntegrationHub.Tests.Legal;

public class ProxyRulesTests
{
    private static readonly ProxyFacts Valid = new(
        HolderIsPrincipal: false,
        HolderInOfficeInAssembly: true,
        HolderAlreadyHoldsProxyForSession: false,
        HolderIsAbsentOrDelegating: false,
        PrincipalPrecedingConsecutiveProxies: 0,
        IllnessCertified: false);

    [Fact]
    public void Validate_AllRulesRespected_ReturnsNull()
    {
        Assert.Null(ProxyRules.Validate(Valid));
    }

    [Fact]
    public void Validate_HolderIsPrincipal_ReturnsHolderIsPrincipal()
    {
        var violation = ProxyRules.Validate(Valid with { HolderIsPrincipal = true });

        Assert.Equal(
            new ProxyViolation(
                "holder-is-principal",
                "Un conseiller ne peut pas se donner pouvoir à lui-même : le pouvoir est donné à un collègue de son choix (CGCT, art. L2121-20)."),
            violation);
    }

    [Fact]
    public void Validate_HolderNotInOffice_ReturnsHolderNotInOffice()
    {
        var violation = ProxyRules.Validate(Valid with { HolderInOfficeInAssembly = false });

        Assert.Equal(
            new ProxyViolation(
                "holder-not-in-office",
                "Le mandataire doit être un membre en exercice de la même assemblée à la date de la séance : le pouvoir est donné à un collègue (CGCT, art. L2121-20)."),
            violation);
    }

    [Fact]
    public void Validate_HolderAbsentOrDelegating_ReturnsHolderAbsentOrDelegating()
    {
        var violation = ProxyRules.Validate(Valid with { HolderIsAbsentOrDelegating = true });

        Assert.Equal(
            new ProxyViolation(
                "holder-absent-or-delegating",
                "Le mandataire a déclaré être absent ou a lui-même donné pouvoir pour cette séance : il ne pourra pas voter au nom de son collègue (CGCT, art. L2121-20)."),
            violation);
    }

    [Fact]
    public void Validate_HolderAlreadyHoldsProxy_ReturnsHolderAlreadyHoldsProxy()
    {
        var violation = ProxyRules.Validate(Valid with { HolderAlreadyHoldsProxyForSession = true });

        Assert.Equal(
            new ProxyViolation(
                "holder-already-holds-proxy",
                "Ce conseiller détient déjà un pouvoir pour cette séance : un même conseiller ne peut être porteur que d'un seul pouvoir (CGCT, art. L2121-20)."),
            violation);
    }

    [Fact]
    public void Validate_FourthConsecutiveSessionWithoutIllness_ReturnsConsecutiveSessionsExceeded()
    {
        var violation = ProxyRules.Validate(Valid with { PrincipalPrecedingConsecutiveProxies = 3 });

        Assert.Equal(
            new ProxyViolation(
                "consecutive-sessions-exceeded",
                "Ce conseiller a déjà été représenté lors des trois séances consécutives précédentes : sauf cas de maladie dûment constatée, un pouvoir ne peut être valable pour plus de trois séances consécutives (CGCT, art. L2121-20)."),
            violation);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Validate_UpToThirdConsecutiveSession_ReturnsNull(int preceding)
    {
        Assert.Null(ProxyRules.Validate(Valid with { PrincipalPrecedingConsecutiveProxies = preceding }));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(12)]
    public void Validate_BeyondThreeSessionsWithCertifiedIllness_ReturnsNull(int preceding)
    {
        Assert.Null(ProxyRules.Validate(Valid with { PrincipalPrecedingConsecutiveProxies = preceding, IllnessCertified = true }));
    }

    [Fact]
    public void Validate_IllnessCertified_DoesNotExcuseOtherRules()
    {
        var violation = ProxyRules.Validate(Valid with { HolderAlreadyHoldsProxyForSession = true, IllnessCertified = true });

        Assert.Equal(ProxyViolationCodes.HolderAlreadyHoldsProxy, violation?.Code);
    }

    [Fact]
    public void Validate_SeveralRulesBroken_ReturnsFirstInDocumentedOrder()
    {
        var allBroken = new ProxyFacts(true, false, true, true, 5, false);

        Assert.Equal(ProxyViolationCodes.HolderIsPrincipal, ProxyRules.Validate(allBroken)?.Code);
        Assert.Equal(ProxyViolationCodes.HolderNotInOffice, ProxyRules.Validate(allBroken with { HolderIsPrincipal = false })?.Code);
        Assert.Equal(
            ProxyViolationCodes.HolderAbsentOrDelegating,
            ProxyRules.Validate(allBroken with { HolderIsPrincipal = false, HolderInOfficeInAssembly = true })?.Code);
        Assert.Equal(
            ProxyViolationCodes.HolderAlreadyHoldsProxy,
            ProxyRules.Validate(allBroken with { HolderIsPrincipal = false, HolderInOfficeInAssembly = true, HolderIsAbsentOrDelegating = false })?.Code);
    }

    [Fact]
    public void Validate_NegativePrecedingSessions_ThrowsArgumentOutOfRangeException()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ProxyRules.Validate(Valid with { PrincipalPrecedingConsecutiveProxies = -1 }));
    }

    [Fact]
    public void Validate_NullFacts_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => ProxyRules.Validate(null!));
    }

    [Fact]
    public void MaxConsecutiveSessions_Always_IsThreeAsInL2121_20()
    {
        Assert.Equal(3, ProxyRules.MaxConsecutiveSessions);
    }

    [Fact]
    public void ProxyViolationCodes_AllCodes_AreEnglishKebabCase()
    {
        var codes = typeof(ProxyViolationCodes).GetFields().Select(f => (string)f.GetRawConstantValue()!).ToList();

        Assert.Equal(5, codes.Count);
        Assert.All(codes, c => Assert.Matches(new Regex("^[a-z]+(-[a-z]+)*$"), c));
    }
}
