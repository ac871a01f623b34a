using IntegrationHub.Convocations;
using IntegrationHub.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace IntegrationHub.Tests.Convocations;

public sealed class MemberLinksTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 10, 9, 0, 0, TimeSpan.Zero));
    private readonly LinkSigningKey _key = new(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    private MemberLinks Links(LinkSigningKey? key = null) => new(key ?? _key, Options.Create(new HubOptions { PublicBaseUrl = "https://convocations.mairie.fr" }), _time);

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
    public void ResolveAnswerToken_ForgedOrAltered_IsRefused()
    {
        var token = Links().CreateAnswerToken(Guid.NewGuid(), _time.GetUtcNow().AddDays(1));
        var otherKey = Links(new LinkSigningKey(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        Assert.Null(otherKey.ResolveAnswerToken(token));
        var altered = (token[0] == 'A' ? "B" : "A") + token[1..];
        Assert.Null(Links().ResolveAnswerToken(altered));
        Assert.Null(Links().ResolveAnswerToken("not-a-token"));
    }

    [Fact]
    public void CreateAnswerToken_FitsInAnSms()
    {
        Assert.Equal(48, Links().CreateAnswerToken(Guid.NewGuid(), _time.GetUtcNow().AddDays(1)).Length);
    }

    [Fact]
    public void AnswerLink_UsesPublicBaseUrl()
    {
        var link = Links().AnswerLink(Guid.NewGuid(), _time.GetUtcNow().AddDays(1));
        Assert.StartsWith("https://convocations.mairie.fr/convocations/", link.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void MailingToken_IsBoundToItsPurpose_AndExpires()
    {
        var recipient = Guid.NewGuid();
        var token = Links().CreateMailingToken(recipient, _time.GetUtcNow().AddDays(90));
        Assert.Equal(recipient, Links().ResolveMailingToken(token));
        // A mailing link does not answer a convocation, and a convocation link does not open a mailing.
        Assert.Null(Links().ResolveAnswerToken(token));
        Assert.Null(Links().ResolveMailingToken(Links().CreateAnswerToken(recipient, _time.GetUtcNow().AddDays(1))));
        _time.Advance(TimeSpan.FromDays(90));
        Assert.Null(Links().ResolveMailingToken(token));
    }
}
