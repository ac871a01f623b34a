using System.Security.Cryptography;
using IntegrationHub.Convocations;
using IntegrationHub.Hosting;
using IntegrationHub.TestSupport;
using IntegrationHub.Validation;
using Microsoft.Extensions.Options;
using Xunit;

namespace IntegrationHub.Tests.Validation;

public sealed class ValidationLinksTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 9, 0, 0, TimeSpan.Zero);
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly ShiftedTimeProvider _time = new(Now);

    private ValidationLinks Links(byte[]? key = null)
    {
        var signing = new LinkSigningKey(key ?? _key);
        return new ValidationLinks(signing, new MemberLinks(signing, Options.Create(new HubOptions { PublicBaseUrl = "https://hub.mairie-exemple.fr/" }), _time), _time);
    }

    [Theory]
    [InlineData(LinkedDecision.Approve)]
    [InlineData(LinkedDecision.Reject)]
    [InlineData(LinkedDecision.View)]
    public void Resolve_ATokenJustIssued_GivesItsStepAndDecision(LinkedDecision decision)
    {
        var stepId = Guid.NewGuid();
        var token = Links().CreateToken(stepId, decision, Now.AddDays(1));

        Assert.Equal(new ResolvedStepLink(stepId, decision, DateTimeOffset.FromUnixTimeSeconds(Now.AddDays(1).ToUnixTimeSeconds())), Links().Resolve(token));
    }

    [Fact]
    public void Link_TwoLinksForTheSameStep_DifferByTheirNonce()
    {
        var stepId = Guid.NewGuid();
        var first = Links().Link(stepId, LinkedDecision.Approve);
        var second = Links().Link(stepId, LinkedDecision.Approve);

        Assert.NotEqual(first, second);
        Assert.StartsWith("https://hub.mairie-exemple.fr/validation/decisions/", first.AbsoluteUri, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_AfterItsExpiry_IsRefused()
    {
        var token = Links().CreateToken(Guid.NewGuid(), LinkedDecision.Approve, Now.AddHours(1));
        Assert.NotNull(Links().Resolve(token));

        _time.Advance(TimeSpan.FromHours(1));

        Assert.Null(Links().Resolve(token));
    }

    [Fact]
    public void Resolve_AnyCharacterChanged_IsRefused()
    {
        var token = Links().CreateToken(Guid.NewGuid(), LinkedDecision.Reject, Now.AddDays(1));
        for (var i = 0; i < token.Length; i++)
        {
            if (token[i] == '.')
            {
                continue;
            }
            var altered = token[..i] + (token[i] == 'A' ? 'B' : 'A') + token[(i + 1)..];
            Assert.Null(Links().Resolve(altered));
        }
    }

    [Fact]
    public void Resolve_ARejectLinkTurnedIntoAnApproveOne_IsRefused()
    {
        var stepId = Guid.NewGuid();
        var token = Links().CreateToken(stepId, LinkedDecision.Reject, Now.AddDays(1));
        var payload = System.Buffers.Text.Base64Url.DecodeFromChars(token.Split('.')[0]);
        payload[16] = (byte)LinkedDecision.Approve;

        Assert.Null(Links().Resolve(System.Buffers.Text.Base64Url.EncodeToString(payload) + "." + token.Split('.')[1]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("a.b.c")]
    [InlineData("....")]
    public void Resolve_Garbage_IsRefused(string token) => Assert.Null(Links().Resolve(token));

    [Fact]
    public void Resolve_AnyCharacterAtAnyPlace_NeverThrows()
    {
        var token = Links().CreateToken(Guid.NewGuid(), LinkedDecision.Approve, Now.AddDays(1));
        foreach (var c in "!=+/ A_-.\u00E9%~")
        {
            for (var i = 0; i < token.Length; i++)
            {
                var altered = token[..i] + c + token[(i + 1)..];
                Assert.True(altered == token || Links().Resolve(altered) is null, altered);
            }
        }
    }

    [Fact]
    public void Resolve_SignedWithAnotherKey_IsRefused()
    {
        var token = Links(RandomNumberGenerator.GetBytes(32)).CreateToken(Guid.NewGuid(), LinkedDecision.Approve, Now.AddDays(1));

        Assert.Null(Links().Resolve(token));
    }

    [Fact]
    public void Resolve_AMemberAnswerLink_IsNeverAStepLink()
    {
        var signing = new LinkSigningKey(_key);
        var members = new MemberLinks(signing, Options.Create(new HubOptions()), _time);
        var answer = members.CreateAnswerToken(Guid.NewGuid(), Now.AddDays(1));

        Assert.Null(Links().Resolve(answer));
        Assert.Null(members.ResolveAnswerToken(Links().CreateToken(Guid.NewGuid(), LinkedDecision.Approve, Now.AddDays(1))));
    }
}
