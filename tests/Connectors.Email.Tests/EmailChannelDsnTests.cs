using IntegrationHub.TestSupport.Smtp;

namespace IntegrationHub.Connectors.Email.Tests;

/// <summary>DSN parameters (RFC 3461) on the wire, against a stand-in that advertises DSN as Postfix does.</summary>
public sealed class EmailChannelDsnTests
{
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task SendAsync_ServerAdvertisesDsn_RequestsNotificationsWithHeadersAndEnvelopeId()
    {
        using var server = new RecordingSmtpServer(advertiseDsn: true);
        await using var channel = ChannelFactory.ForSmtp(server.Host, server.Port, ChannelFactory.Clock());

        var receipt = await channel.SendAsync(TestMessages.Convocation(key: "convocation-2026-12-01-elu-7"), CancellationToken.None);

        var sent = Assert.Single(await server.WaitForMessagesAsync(1, Arrival));
        Assert.StartsWith($"MAIL FROM:<{TestMessages.FromAddress}>", sent.MailFrom, StringComparison.Ordinal);
        Assert.Contains(" RET=HDRS", sent.MailFrom, StringComparison.Ordinal);
        Assert.Contains(" ENVID=convocation-2026-12-01-elu-7", sent.MailFrom, StringComparison.Ordinal);
        Assert.Equal("convocation-2026-12-01-elu-7@mairie-exemple.fr", receipt.ProviderMessageId);
        var rcpt = Assert.Single(sent.RcptTo);
        Assert.StartsWith($"RCPT TO:<{TestMessages.RecipientEmail}>", rcpt, StringComparison.Ordinal);
        Assert.Contains(" NOTIFY=SUCCESS,FAILURE,DELAY", rcpt, StringComparison.Ordinal);
        Assert.Equal("250 2.0.0 Ok: queued as STANDIN1", receipt.ProviderResponse);
    }

    [Fact]
    public async Task SendAsync_KeyWithUnsafeCharacters_EnvelopeIdIsTheMessageIdStem()
    {
        using var server = new RecordingSmtpServer(advertiseDsn: true);
        await using var channel = ChannelFactory.ForSmtp(server.Host, server.Port, ChannelFactory.Clock());

        var receipt = await channel.SendAsync(TestMessages.Convocation(key: "convocation/42:élu 7"), CancellationToken.None);

        var stem = receipt.ProviderMessageId.Split('@')[0];
        Assert.Equal(MessageIdentity.Stem("convocation/42:élu 7"), stem);
        var sent = Assert.Single(await server.WaitForMessagesAsync(1, Arrival));
        Assert.Contains($" ENVID={stem}", sent.MailFrom, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_ServerWithoutDsn_SendsNoDsnParameters()
    {
        // This stand-in refuses DSN parameters it did not advertise (555), as a strict server would.
        using var server = new RecordingSmtpServer(advertiseDsn: false);
        await using var channel = ChannelFactory.ForSmtp(server.Host, server.Port, ChannelFactory.Clock());

        await channel.SendAsync(TestMessages.Convocation(), CancellationToken.None);

        var sent = Assert.Single(await server.WaitForMessagesAsync(1, Arrival));
        Assert.DoesNotContain("ENVID=", sent.MailFrom, StringComparison.Ordinal);
        Assert.DoesNotContain("RET=", sent.MailFrom, StringComparison.Ordinal);
        Assert.DoesNotContain("NOTIFY=", Assert.Single(sent.RcptTo), StringComparison.Ordinal);
    }
}
