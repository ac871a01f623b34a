using System.Net;
using System.Net.Sockets;
using System.Text;
using IntegrationHub.Plugins.Channels;
using IntegrationHub.TestSupport.Smtp;
using MailKit.Net.Smtp;
using MimeKit;
using IcalCalendar = Ical.Net.Calendar;

namespace IntegrationHub.Connectors.Email.Tests;

/// <summary>The channel against a real SMTP server (aiosmtpd), messages read back from its Maildir.</summary>
public sealed class EmailChannelSmtpTests : IDisposable
{
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(15);
    private readonly SmtpSinkServer _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task SendAsync_FrenchConvocation_ArrivesWithAccentsHeadersAndBodies()
    {
        var clock = ChannelFactory.Clock();
        var channel = ChannelFactory.ForSmtp(_server, clock);

        var receipt = await channel.SendAsync(TestMessages.Convocation(), CancellationToken.None);

        var received = Assert.Single(await _server.WaitForMessagesAsync(1, Arrival));
        Assert.Equal(TestMessages.Subject, received.Subject);
        var from = Assert.Single(received.From.Mailboxes);
        Assert.Equal(TestMessages.FromAddress, from.Address);
        Assert.Equal("Secrétariat des assemblées", from.Name);
        var to = Assert.Single(received.To.Mailboxes);
        Assert.Equal(TestMessages.RecipientEmail, to.Address);
        Assert.Equal(TestMessages.RecipientName, to.Name);
        Assert.Equal(TestMessages.Now, received.Date);
        Assert.Equal("convocation-2026-12-01-elu-7@mairie-exemple.fr", received.MessageId);
        Assert.Equal(received.MessageId, receipt.ProviderMessageId);
        Assert.Equal("convocation-2026-12-01-elu-7", received.Headers["X-Hub-Idempotency-Key"]);
        Assert.Equal("250 OK", receipt.ProviderResponse);

        var mixed = Assert.IsType<Multipart>(received.Body);
        Assert.Equal("multipart/mixed", mixed.ContentType.MimeType);
        Assert.Equal(2, mixed.Count);
        var alternative = Assert.IsType<MultipartAlternative>(mixed[0]);
        Assert.Equal(
            ["text/plain", "text/html", "text/calendar"],
            alternative.Select(part => part.ContentType.MimeType).ToArray());
        var text = Assert.IsType<TextPart>(alternative[0]);
        Assert.Equal("utf-8", text.ContentType.Charset);
        Assert.Equal(TestMessages.TextBody, text.Text);
        Assert.Equal(TestMessages.HtmlBody, Assert.IsType<TextPart>(alternative[1]).Text);
        Assert.Equal(TestMessages.TextBody, received.TextBody);
    }

    [Fact]
    public async Task SendAsync_Invitation_CarriesRequestCalendarInParisTimeAndAttachedCopy()
    {
        var clock = ChannelFactory.Clock();
        var channel = ChannelFactory.ForSmtp(_server, clock);

        await channel.SendAsync(TestMessages.Convocation(), CancellationToken.None);

        var received = Assert.Single(await _server.WaitForMessagesAsync(1, Arrival));
        var calendarPart = CalendarPart(received);
        Assert.Equal("REQUEST", calendarPart.ContentType.Parameters["method"]);
        Assert.Equal("utf-8", calendarPart.ContentType.Charset);
        Assert.Equal(ContentEncoding.Base64, calendarPart.ContentTransferEncoding);

        var ics = await DecodedAsync(calendarPart);
        Assert.DoesNotContain("\n", ics.Replace("\r\n", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        var calendar = LoadCalendar(ics);
        Assert.Equal("REQUEST", calendar.Method);
        Assert.Contains(calendar.TimeZones, zone => zone.TzId == "Europe/Paris");
        var meeting = Assert.Single(calendar.Events);
        Assert.Equal(TestMessages.SessionUid, meeting.Uid);
        Assert.Equal(0, meeting.Sequence);
        Assert.Equal("CONFIRMED", meeting.Status);
        Assert.Equal("Europe/Paris", meeting.DtStart!.TzId);
        Assert.Equal(new DateTime(2026, 12, 1, 18, 30, 0), meeting.DtStart.Value);
        Assert.Equal(new DateTime(2026, 12, 1, 17, 30, 0, DateTimeKind.Utc), meeting.DtStart.AsUtc);
        Assert.Equal("Europe/Paris", meeting.DtEnd!.TzId);
        Assert.Equal(new DateTime(2026, 12, 1, 20, 30, 0), meeting.DtEnd.Value);
        Assert.Equal(TestMessages.Now.UtcDateTime, meeting.DtStamp!.AsUtc);
        var invitation = TestMessages.Invitation();
        Assert.Equal(invitation.Summary, meeting.Summary);
        Assert.Equal(invitation.Location, meeting.Location);
        Assert.Equal(invitation.Description, meeting.Description);
        // The organizer is the channel's own sender, whose mailbox receives the attendees' replies.
        Assert.Equal(new Uri("mailto:" + TestMessages.FromAddress), meeting.Organizer!.Value);
        Assert.Equal(received.From.Mailboxes.Single().Name, meeting.Organizer.CommonName);
        var attendee = Assert.Single(meeting.Attendees);
        Assert.Equal(new Uri("mailto:" + TestMessages.RecipientEmail), attendee.Value);
        Assert.Equal(TestMessages.RecipientName, attendee.CommonName);
        Assert.True(attendee.Rsvp);
        Assert.Equal("REQ-PARTICIPANT", attendee.Role);
        Assert.Equal("NEEDS-ACTION", attendee.ParticipationStatus);

        var attachment = Assert.IsType<MimePart>(Assert.IsType<Multipart>(received.Body)[1]);
        Assert.Equal("application/ics", attachment.ContentType.MimeType);
        Assert.Equal("invitation.ics", attachment.FileName);
        Assert.True(attachment.IsAttachment);
        Assert.Equal(await DecodedAsync(calendarPart), await DecodedAsync(attachment));
    }

    [Fact]
    public async Task SendAsync_Cancellation_CarriesCancelMethodCancelledStatusAndBumpedSequence()
    {
        var channel = ChannelFactory.ForSmtp(_server, ChannelFactory.Clock());
        var message = TestMessages.Convocation(
            key: "annulation-2026-12-01-elu-7",
            calendar: TestMessages.Invitation(CalendarMethod.Cancel, sequence: 1),
            kind: MessageKind.Cancellation);

        await channel.SendAsync(message, CancellationToken.None);

        var received = Assert.Single(await _server.WaitForMessagesAsync(1, Arrival));
        var calendarPart = CalendarPart(received);
        Assert.Equal("CANCEL", calendarPart.ContentType.Parameters["method"]);
        var calendar = LoadCalendar(await DecodedAsync(calendarPart));
        Assert.Equal("CANCEL", calendar.Method);
        var meeting = Assert.Single(calendar.Events);
        Assert.Equal(TestMessages.SessionUid, meeting.Uid);
        Assert.Equal(1, meeting.Sequence);
        Assert.Equal("CANCELLED", meeting.Status);
    }

    [Fact]
    public async Task SendAsync_SameIdempotencyKeyLater_CarriesSameMessageId()
    {
        var clock = ChannelFactory.Clock();
        var channel = ChannelFactory.ForSmtp(_server, clock);

        var first = await channel.SendAsync(TestMessages.Convocation(key: "convocation/42:élu 7"), CancellationToken.None);
        clock.Advance(TimeSpan.FromHours(2));
        var retry = await channel.SendAsync(TestMessages.Convocation(key: "convocation/42:élu 7"), CancellationToken.None);
        var other = await channel.SendAsync(TestMessages.Convocation(key: "convocation/42:élu 8"), CancellationToken.None);

        var received = await _server.WaitForMessagesAsync(3, Arrival);
        Assert.Equal(3, received.Count);
        Assert.Equal(first.ProviderMessageId, retry.ProviderMessageId);
        Assert.NotEqual(first.ProviderMessageId, other.ProviderMessageId);
        var ids = received.Select(message => message.MessageId).ToList();
        Assert.Equal(2, ids.Count(id => id == first.ProviderMessageId));
        Assert.Equal(1, ids.Count(id => id == other.ProviderMessageId));
        Assert.All(received, message => Assert.EndsWith("@mairie-exemple.fr", message.MessageId, StringComparison.Ordinal));
        Assert.Contains(received, message => message.Headers["X-Hub-Idempotency-Key"] == "convocation/42:élu 7");
    }

    [Fact]
    public async Task SendAsync_TextOnlyNotice_IsASinglePlainTextPart()
    {
        var channel = ChannelFactory.ForSmtp(_server, ChannelFactory.Clock());
        var notice = new OutboundMessage("rappel-7", MessageKind.Notice,
            new Recipient(TestMessages.RecipientName, TestMessages.RecipientEmail), "Rappel : séance de mardi", "Pensez à la séance de mardi à 18 h 30.");

        await channel.SendAsync(notice, CancellationToken.None);

        var received = Assert.Single(await _server.WaitForMessagesAsync(1, Arrival));
        var text = Assert.IsType<TextPart>(received.Body);
        Assert.Equal("text/plain", text.ContentType.MimeType);
        Assert.Equal("Pensez à la séance de mardi à 18 h 30.", text.Text);
    }

    [Fact]
    public async Task SendAsync_ServerStopped_ThrowsTransientAndSucceedsOnceServerIsBack()
    {
        var channel = ChannelFactory.ForSmtp(_server, ChannelFactory.Clock());
        _server.Stop();

        var failure = await Assert.ThrowsAsync<TransientDeliveryException>(
            () => channel.SendAsync(TestMessages.Convocation(), CancellationToken.None));
        Assert.IsType<SocketException>(failure.InnerException);

        _server.Start();
        var receipt = await channel.SendAsync(TestMessages.Convocation(), CancellationToken.None);
        var received = Assert.Single(await _server.WaitForMessagesAsync(1, Arrival));
        Assert.Equal(receipt.ProviderMessageId, received.MessageId);
    }

    [Fact]
    public async Task SendAsync_MessageLargerThanServerAllows_ThrowsPermanentWith552()
    {
        using var strictServer = new SmtpSinkServer(maxMessageSize: 2048);
        var channel = ChannelFactory.ForSmtp(strictServer, ChannelFactory.Clock());
        var large = TestMessages.Convocation() with { TextBody = string.Concat(Enumerable.Repeat("Délibération. ", 1000)) };

        var failure = await Assert.ThrowsAsync<PermanentDeliveryException>(
            () => channel.SendAsync(large, CancellationToken.None));

        var smtp = Assert.IsType<SmtpCommandException>(failure.InnerException);
        Assert.Equal(552, (int)smtp.StatusCode);
        Assert.False(failure.AddressRejected);
        Assert.Equal(0, strictServer.MessageCount);
    }

    [Fact]
    public async Task SendAsync_StartTlsRequiredButNotOffered_ThrowsPermanent()
    {
        var channel = ChannelFactory.ForSmtp(_server, ChannelFactory.Clock(), options => options.Security = SmtpSecurity.StartTls);

        var failure = await Assert.ThrowsAsync<PermanentDeliveryException>(
            () => channel.SendAsync(TestMessages.Convocation(), CancellationToken.None));

        Assert.IsType<NotSupportedException>(failure.InnerException);
        Assert.Equal(0, _server.MessageCount);
    }

    [Fact]
    public async Task SendAsync_CredentialsButServerOffersNoAuthentication_ThrowsPermanentWithoutTheSecret()
    {
        var channel = ChannelFactory.ForSmtp(_server, ChannelFactory.Clock(), options =>
        {
            options.UserName = "secretariat";
            options.Password = "Mot-de-passe-tres-secret";
        });

        var failure = await Assert.ThrowsAsync<PermanentDeliveryException>(
            () => channel.SendAsync(TestMessages.Convocation(), CancellationToken.None));

        Assert.DoesNotContain("Mot-de-passe-tres-secret", failure.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, _server.MessageCount);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("pas-une-adresse")]
    [InlineData("helene@")]
    [InlineData("a@exemple.fr, b@exemple.fr")]
    public async Task SendAsync_MissingOrInvalidRecipientEmail_ThrowsPermanentAndSendsNothing(string? email)
    {
        var channel = ChannelFactory.ForSmtp(_server, ChannelFactory.Clock());
        var message = TestMessages.Convocation(recipient: new Recipient(TestMessages.RecipientName, email));

        var failure = await Assert.ThrowsAsync<PermanentDeliveryException>(
            () => channel.SendAsync(message, CancellationToken.None));

        Assert.Contains(TestMessages.RecipientName, failure.Message, StringComparison.Ordinal);
        Assert.True(failure.AddressRejected);
        Assert.Equal(0, _server.MessageCount);
    }

    [Fact]
    public async Task SendAsync_TokenCancelledBeforeSend_ThrowsOperationCanceledAndSendsNothing()
    {
        var channel = ChannelFactory.ForSmtp(_server, ChannelFactory.Clock());
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => channel.SendAsync(TestMessages.Convocation(key: "annule-avant-envoi"), cancelled.Token));

        // The next message is the only one the server ever sees.
        var receipt = await channel.SendAsync(TestMessages.Convocation(key: "envoye-ensuite"), CancellationToken.None);
        var received = Assert.Single(await _server.WaitForMessagesAsync(1, Arrival));
        Assert.Equal(receipt.ProviderMessageId, received.MessageId);
    }

    /// <summary>The part's bytes as sent (TextPart.Text would normalise line endings), read as UTF-8.</summary>
    private static async Task<string> DecodedAsync(MimePart part)
    {
        using var content = new MemoryStream();
        await Assert.IsAssignableFrom<IMimeContent>(part.Content).DecodeToAsync(content);
        return Encoding.UTF8.GetString(content.ToArray());
    }

    private static IcalCalendar LoadCalendar(string ics) => Assert.IsType<IcalCalendar>(IcalCalendar.Load(ics));

    private static TextPart CalendarPart(MimeMessage message)
    {
        var alternative = Assert.IsType<MultipartAlternative>(Assert.IsType<Multipart>(message.Body)[0]);
        return Assert.IsType<TextPart>(Assert.Single(alternative, part => part.ContentType.MimeType == "text/calendar"));
    }
}

public sealed class EmailChannelUnreachableServerTests
{
    [Fact]
    public async Task SendAsync_NothingListensOnPort_ThrowsTransient()
    {
        // Bound but not listening: the port stays reserved for this test and refuses connections.
        using var reserved = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        reserved.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)reserved.LocalEndPoint!).Port;
        var channel = ChannelFactory.ForSmtp("127.0.0.1", port, ChannelFactory.Clock());

        var failure = await Assert.ThrowsAsync<TransientDeliveryException>(
            () => channel.SendAsync(TestMessages.Convocation(), CancellationToken.None));

        var socket = Assert.IsType<SocketException>(failure.InnerException);
        Assert.Equal(SocketError.ConnectionRefused, socket.SocketErrorCode);
    }
}
