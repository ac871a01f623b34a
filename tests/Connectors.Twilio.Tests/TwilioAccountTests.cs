namespace IntegrationHub.Connectors.Twilio.Tests;

public sealed class TwilioAccountTests
{
    private static readonly TwilioAccount Account = new(
        "AC0123456789abcdef0123456789abcdef", "s3cr3t-token-value", "MAIRIE", null, new Uri("https://proxy.example/twilio/"));

    [Fact]
    public void ToString_Always_HidesTheAuthToken()
    {
        Assert.DoesNotContain("s3cr3t-token-value", Account.ToString(), StringComparison.Ordinal);
        Assert.Contains("AC0123456789abcdef0123456789abcdef", Account.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void MessagesUrl_BaseUrlWithAPath_KeepsThePath()
    {
        Assert.Equal(
            "https://proxy.example/twilio/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json",
            Account.MessagesUrl.AbsoluteUri);
        Assert.Equal(
            "https://proxy.example/twilio/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef.json",
            Account.AccountUrl.AbsoluteUri);
    }

    [Fact]
    public void Authorization_Always_IsBasicSidColonToken()
    {
        var header = Account.Authorization;

        Assert.Equal("Basic", header.Scheme);
        Assert.Equal("AC0123456789abcdef0123456789abcdef:s3cr3t-token-value",
            System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter!)));
    }
}
