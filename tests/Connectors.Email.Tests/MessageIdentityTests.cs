namespace IntegrationHub.Connectors.Email.Tests;

public sealed class MessageIdentityTests
{
    [Theory]
    [InlineData("convocation-2026-12-01-elu-7")]
    [InlineData("c0a8f3e2_7.v2")]
    public void Stem_SafeKey_IsKeptAsItIs(string key)
    {
        Assert.Equal(key, MessageIdentity.Stem(key));
    }

    [Theory]
    [InlineData("convocation/42:élu 7")]
    [InlineData("<a@b>")]
    [InlineData(".caché")]
    [InlineData("a..b")]
    [InlineData("é")]
    public void Stem_UnsafeKey_IsSafeForMessageIdAndFileNameAndStable(string key)
    {
        var stem = MessageIdentity.Stem(key);

        Assert.Matches("^[A-Za-z0-9_-][A-Za-z0-9._-]*[A-Za-z0-9_-]$", stem);
        Assert.DoesNotContain("..", stem, StringComparison.Ordinal);
        Assert.Equal(stem, MessageIdentity.Stem(key));
    }

    [Fact]
    public void Stem_KeysThatCleanAlike_StayDistinct()
    {
        Assert.NotEqual(MessageIdentity.Stem("convocation/42"), MessageIdentity.Stem("convocation:42"));
        Assert.NotEqual(MessageIdentity.Stem("convocation/42"), MessageIdentity.Stem("convocation-42"));
    }

    [Fact]
    public void Stem_VeryLongKey_IsBounded()
    {
        var key = new string('x', 500);

        var stem = MessageIdentity.Stem(key);

        Assert.True(stem.Length <= 64, $"stem length {stem.Length}");
        Assert.NotEqual(MessageIdentity.Stem(key + "y"), stem);
    }

    [Fact]
    public void MessageId_UnicodeSenderDomain_UsesAsciiDomain()
    {
        Assert.Equal("convocation-1@xn--mairie-le-w5a.fr", MessageIdentity.MessageId("convocation-1", "mairie-île.fr"));
    }
}
