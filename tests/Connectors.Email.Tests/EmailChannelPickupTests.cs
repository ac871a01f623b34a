using System.Text;
using IntegrationHub.Plugins.Channels;
using MimeKit;

namespace IntegrationHub.Connectors.Email.Tests;

/// <summary>No SMTP server: messages are written as .eml files to the pickup directory.</summary>
public sealed class EmailChannelPickupTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("email-pickup-");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public async Task SendAsync_NoHost_WritesLoadableEmlIntoCreatedPickupDirectory()
    {
        var pickup = Path.Combine(_root.FullName, "envoi", "sortant");
        var channel = ChannelFactory.ForPickup(pickup, ChannelFactory.Clock());

        var receipt = await channel.SendAsync(TestMessages.Convocation(), CancellationToken.None);

        Assert.Equal("pickup:convocation-2026-12-01-elu-7.eml", receipt.ProviderResponse);
        var file = Assert.Single(Directory.GetFiles(pickup, "*", SearchOption.AllDirectories));
        Assert.Equal("convocation-2026-12-01-elu-7.eml", Path.GetFileName(file));
        using var loaded = await MimeMessage.LoadAsync(file);
        Assert.Equal(receipt.ProviderMessageId, loaded.MessageId);
        Assert.Equal(TestMessages.Subject, loaded.Subject);
        Assert.Equal(TestMessages.RecipientName, Assert.Single(loaded.To.Mailboxes).Name);
        Assert.Equal(TestMessages.Now, loaded.Date);
        Assert.Equal(TestMessages.TextBody, loaded.TextBody);
        Assert.Contains(loaded.Attachments, part => part.ContentType.MimeType == "application/ics");
    }

    [Fact]
    public async Task SendAsync_NoHost_WritesCrlfLineEndingsOnly()
    {
        var channel = ChannelFactory.ForPickup(_root.FullName, ChannelFactory.Clock());

        await channel.SendAsync(TestMessages.Convocation(), CancellationToken.None);

        var bytes = await File.ReadAllBytesAsync(Assert.Single(Directory.GetFiles(_root.FullName)));
        var text = Encoding.ASCII.GetString(bytes);
        Assert.Contains("\r\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", text.Replace("\r\n", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.All(bytes, b => Assert.True(b < 0x80, "the file must be 7-bit: accents travel encoded"));
    }

    [Fact]
    public async Task SendAsync_SameKeyTwice_ReplacesTheSameFileWithSameMessageId()
    {
        var clock = ChannelFactory.Clock();
        var channel = ChannelFactory.ForPickup(_root.FullName, clock);

        var first = await channel.SendAsync(TestMessages.Convocation(key: "convocation/42:élu 7"), CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(30));
        var retry = await channel.SendAsync(TestMessages.Convocation(key: "convocation/42:élu 7"), CancellationToken.None);

        Assert.Equal(first, retry with { });
        var file = Assert.Single(Directory.GetFiles(_root.FullName));
        Assert.Equal("pickup:" + Path.GetFileName(file), retry.ProviderResponse);
        Assert.EndsWith(".eml", file, StringComparison.Ordinal);
        using var loaded = await MimeMessage.LoadAsync(file);
        Assert.Equal(first.ProviderMessageId, loaded.MessageId);
        Assert.Equal(clock.GetUtcNow(), loaded.Date);
    }

    [Fact]
    public async Task SendAsync_TokenCancelledBeforeSend_ThrowsOperationCanceledAndWritesNothing()
    {
        var channel = ChannelFactory.ForPickup(_root.FullName, ChannelFactory.Clock());
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => channel.SendAsync(TestMessages.Convocation(), cancelled.Token));

        Assert.Empty(Directory.GetFileSystemEntries(_root.FullName));
    }

    [Fact]
    public async Task SendAsync_InvalidRecipientInPickupMode_ThrowsPermanentAndWritesNothing()
    {
        var channel = ChannelFactory.ForPickup(_root.FullName, ChannelFactory.Clock());
        var message = TestMessages.Convocation(recipient: new Recipient("Élu sans adresse", Email: null, Mobile: "+33612345678"));

        await Assert.ThrowsAsync<PermanentDeliveryException>(() => channel.SendAsync(message, CancellationToken.None));

        Assert.Empty(Directory.GetFileSystemEntries(_root.FullName));
    }

    [Fact]
    public async Task SendAsync_InvitationEndingBeforeItStarts_ThrowsPermanent()
    {
        var channel = ChannelFactory.ForPickup(_root.FullName, ChannelFactory.Clock());
        var invitation = TestMessages.Invitation() with { End = new DateTime(2026, 12, 1, 17, 0, 0) };

        var failure = await Assert.ThrowsAsync<PermanentDeliveryException>(
            () => channel.SendAsync(TestMessages.Convocation(calendar: invitation), CancellationToken.None));

        Assert.Contains(TestMessages.SessionUid, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_UnknownTimeZone_ThrowsPermanent()
    {
        var channel = ChannelFactory.ForPickup(_root.FullName, ChannelFactory.Clock());
        var invitation = TestMessages.Invitation() with { TimeZoneId = "Europe/Atlantide" };

        var failure = await Assert.ThrowsAsync<PermanentDeliveryException>(
            () => channel.SendAsync(TestMessages.Convocation(calendar: invitation), CancellationToken.None));

        Assert.Contains("Europe/Atlantide", failure.Message, StringComparison.Ordinal);
    }
}
