using IntegrationHub.Convocations;
using IntegrationHub.Hosting;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace IntegrationHub.Tests.Convocations;

public sealed class MemberLinksTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 10, 9, 0, 0, TimeSpan.Zero));
    private readonly EphemeralDataProtectionProvider _protection = new EphemeralDataProtectionProvider();

    private MemberLinks Links() => new(_protection, Options.Create(new HubOptions { PublicBaseUrl = "https://convocations.mairie.fr" }), _time);

    [Fact]
    public void ResolveAnswerToken_BeforeExpiry_ReturnsTheConvocation()
    {
        var id = Guid.NewGuid();
        var token = Links().CreateAnswerToken(id, _time.GetUtcNow().AddDays(1));
        Assert.Equal(id, Links().ResolveAnswerToken(token));
    }

    [Fact]
    public void ResolveAnswerToken_AfterSessionEnd_IsRefused()
    {
        var token = Links().CreateAnswerToken(Guid.NewGuid(), _time.GetUtcNow().AddHours(2));
        _time.Advance(TimeSpan.FromHours(2));
        Assert.Null(Links().ResolveAnswerToken(token));
    }

    [Fact]
    public void ResolveAnswerToken_ForgedOrForAnotherPurpose_IsRefused()
    {
        var otherPurpose = _protection.CreateProtector("IntegrationHub.SomethingElse").Protect($"{Guid.NewGuid():N}|{_time.GetUtcNow().AddDays(1).ToUnixTimeSeconds()}");
        Assert.Null(Links().ResolveAnswerToken(otherPurpose));
        Assert.Null(Links().ResolveAnswerToken("not-a-token"));
    }

    [Fact]
    public void AnswerLink_UsesPublicBaseUrl()
    {
        var link = Links().AnswerLink(Guid.NewGuid(), _time.GetUtcNow().AddDays(1));
        Assert.StartsWith("https://convocations.mairie.fr/convocations/", link.ToString(), StringComparison.Ordinal);
    }
}
