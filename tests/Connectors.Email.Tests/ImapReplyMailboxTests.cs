using IntegrationHub.Plugins.Mailboxes;
using IntegrationHub.TestSupport.Imap;
using IntegrationHub.TestSupport.Smtp;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;

namespace IntegrationHub.Connectors.Email.Tests;

/// <summary>The reply mailbox against a real IMAP server (Dovecot), messages put there with IMAP APPEND.</summary>
public sealed class ImapReplyMailboxTests : IDisposable
{
    private const string Processed = "Traités";
    private readonly ImapTestServer _imap = new();

    public void Dispose() => _imap.Dispose();

    [Fact]
    public async Task FetchAsync_PostfixBounce_GivesTheDeliveryStatusReportWithEnvelopeAndReturnedMessageId()
    {
        await _imap.AppendAsync(ReplyMessages.PostfixBounce(
            [(TestMessages.RecipientEmail, "failed", "5.1.1", "550 5.1.1 <helene.dupre@exemple.fr>: Recipient address rejected: User unknown in virtual mailbox table")],
            returnedHeaders: ReplyMessages.SampleReturnedHeaders()));

        var report = Assert.IsType<DeliveryStatusReport>(Assert.Single(await Mailbox().FetchAsync(CancellationToken.None)));

        Assert.Matches(@"^\d+:1$", report.Id);
        Assert.Equal(ReplyMessages.ReturnedMessageId, report.OriginalMessageId);
        Assert.Equal(ReplyMessages.EnvelopeId, report.OriginalEnvelopeId);
        Assert.Equal(TestMessages.RecipientEmail, report.Recipient);
        Assert.Equal("failed", report.Action);
        Assert.Equal("5.1.1", report.Status);
        Assert.Equal(
            "smtp; 550 5.1.1 <helene.dupre@exemple.fr>: Recipient address rejected: User unknown in virtual mailbox table",
            report.Diagnostic);
        Assert.NotEqual(default, report.ReceivedAt);
    }

    [Fact]
    public async Task FetchAsync_BounceOfAMessageTheChannelSent_CorrelatesByEnvelopeIdAndMessageId()
    {
        // The convocation goes out through the channel to a DSN-capable relay; the remote MTA's bounce then quotes
        // the ENVID it was given and the headers it received.
        using var relay = new RecordingSmtpServer(advertiseDsn: true);
        await using var channel = ChannelFactory.ForSmtp(relay.Host, relay.Port, ChannelFactory.Clock());
        var receipt = await channel.SendAsync(TestMessages.Convocation(key: "convocation/42:élu 7"), CancellationToken.None);
        var sent = Assert.Single(await relay.WaitForMessagesAsync(1, TimeSpan.FromSeconds(15)));
        var envelopeId = sent.MailFrom.Split(' ').Single(p => p.StartsWith("ENVID=", StringComparison.Ordinal))["ENVID=".Length..];
        var headers = ReplyMessages.HeadersOf(MimeMessage.Load(new MemoryStream(sent.Data)));

        await _imap.AppendAsync(ReplyMessages.PostfixBounce(
            [(TestMessages.RecipientEmail, "failed", "5.2.2", "552 5.2.2 <helene.dupre@exemple.fr>: Mailbox full")],
            envelopeId: envelopeId,
            returnedHeaders: headers));

        var report = Assert.IsType<DeliveryStatusReport>(Assert.Single(await Mailbox().FetchAsync(CancellationToken.None)));
        Assert.Equal(receipt.ProviderMessageId, report.OriginalMessageId);
        Assert.Equal(receipt.ProviderMessageId.Split('@')[0], report.OriginalEnvelopeId);
        Assert.Equal("5.2.2", report.Status);
    }

    [Fact]
    public async Task FetchAsync_CalendarAnswers_GiveCalendarRepliesWithUidSequenceAttendeeAndStatus()
    {
        await _imap.AppendAsync(ReplyMessages.CalendarReply("ACCEPTED"));
        await _imap.AppendAsync(ReplyMessages.CalendarReply("DECLINED", attendee: "jean.martin@exemple.fr", sequence: 2, subjectPrefix: "Refusé"));

        var events = await Mailbox().FetchAsync(CancellationToken.None);

        Assert.Collection(events,
            first =>
            {
                var reply = Assert.IsType<CalendarReply>(first);
                Assert.Equal(TestMessages.SessionUid, reply.Uid);
                Assert.Equal(0, reply.Sequence);
                Assert.Equal(TestMessages.RecipientEmail, reply.AttendeeEmail);
                Assert.Equal("ACCEPTED", reply.ParticipationStatus);
            },
            second =>
            {
                var reply = Assert.IsType<CalendarReply>(second);
                Assert.Equal(2, reply.Sequence);
                Assert.Equal("jean.martin@exemple.fr", reply.AttendeeEmail);
                Assert.Equal("DECLINED", reply.ParticipationStatus);
            });
    }

    [Fact]
    public async Task FetchAsync_HumanAnswer_IsUnrecognisedWithSubjectAndSender()
    {
        await _imap.AppendAsync(ReplyMessages.HumanAnswer());

        var unrecognised = Assert.IsType<UnrecognisedMessage>(Assert.Single(await Mailbox().FetchAsync(CancellationToken.None)));

        Assert.Contains("RE: Convocation au conseil municipal du 1er décembre 2026", unrecognised.Summary, StringComparison.Ordinal);
        Assert.Contains("jean.martin@exemple.fr", unrecognised.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FetchAsync_TwiceWithoutAcknowledging_ReadsTheSameEventsAndChangesNothing()
    {
        await _imap.AppendAsync(ReplyMessages.HumanAnswer());
        var mailbox = Mailbox();

        var first = await mailbox.FetchAsync(CancellationToken.None);
        var second = await mailbox.FetchAsync(CancellationToken.None);

        Assert.Equal(first, second);
        Assert.Single(await _imap.FolderSubjectsAsync("INBOX"));
    }

    [Fact]
    public async Task AcknowledgeAsync_MovesMessagesToTraites_SoASecondFetchReturnsNothing()
    {
        await AppendOneOfEachAsync();
        var mailbox = Mailbox();
        var events = await mailbox.FetchAsync(CancellationToken.None);
        Assert.Equal(4, events.Count);

        await mailbox.AcknowledgeAsync(events.Select(e => e.Id).ToList(), CancellationToken.None);

        Assert.Empty(await mailbox.FetchAsync(CancellationToken.None));
        Assert.Empty(await _imap.FolderSubjectsAsync("INBOX"));
        Assert.Equal(ExpectedSubjects, await _imap.FolderSubjectsAsync(Processed));
    }

    [Fact]
    public async Task AcknowledgeAsync_ServerWithoutMove_CopiesFlagsAndExpunges()
    {
        using var imap = new ImapTestServer(advertiseMove: false);
        await AppendOneOfEachAsync(imap);
        var mailbox = Mailbox(imap);
        var events = await mailbox.FetchAsync(CancellationToken.None);

        await mailbox.AcknowledgeAsync(events.Select(e => e.Id).ToList(), CancellationToken.None);

        Assert.Empty(await mailbox.FetchAsync(CancellationToken.None));
        Assert.Empty(await imap.FolderSubjectsAsync("INBOX"));
        Assert.Equal(ExpectedSubjects, await imap.FolderSubjectsAsync(Processed));
    }

    [Fact]
    public async Task AcknowledgeAsync_SomeEvents_LeavesTheOthersToTheNextFetch()
    {
        await AppendOneOfEachAsync();
        var mailbox = Mailbox();
        var events = await mailbox.FetchAsync(CancellationToken.None);

        await mailbox.AcknowledgeAsync([events[0].Id, events[1].Id], CancellationToken.None);
        var remaining = await mailbox.FetchAsync(CancellationToken.None);

        Assert.Equal(events.Skip(2).Select(e => e.Id), remaining.Select(e => e.Id));
        Assert.Equal(ExpectedSubjects.Take(2), await _imap.FolderSubjectsAsync(Processed));

        // The folder exists now: acknowledging the rest reuses it.
        await mailbox.AcknowledgeAsync(remaining.Select(e => e.Id).ToList(), CancellationToken.None);
        Assert.Equal(ExpectedSubjects, await _imap.FolderSubjectsAsync(Processed));
    }

    [Fact]
    public async Task FetchAsync_BounceForTwoRecipients_GivesTwoReportsSharingOneIdThatAcknowledgesBoth()
    {
        await _imap.AppendAsync(ReplyMessages.PostfixBounce(
        [
            (TestMessages.RecipientEmail, "failed", "5.1.1", "550 5.1.1 User unknown"),
            ("jean.martin@exemple.fr", "delayed", "4.4.1", "connect to mx.exemple.fr[192.0.2.25]:25: Connection timed out"),
        ]));
        var mailbox = Mailbox();

        var reports = (await mailbox.FetchAsync(CancellationToken.None)).Cast<DeliveryStatusReport>().ToList();

        Assert.Equal(2, reports.Count);
        Assert.Single(reports.Select(r => r.Id).Distinct());
        Assert.Equal(["failed", "delayed"], reports.Select(r => r.Action).ToArray());
        Assert.Equal(["5.1.1", "4.4.1"], reports.Select(r => r.Status ?? string.Empty).ToArray());
        Assert.All(reports, r => Assert.Null(r.OriginalMessageId));

        await mailbox.AcknowledgeAsync(reports.Select(r => r.Id).ToList(), CancellationToken.None);
        Assert.Empty(await mailbox.FetchAsync(CancellationToken.None));
        Assert.Single(await _imap.FolderSubjectsAsync(Processed));
    }

    [Fact]
    public async Task AcknowledgeAsync_IdOfAnotherUidValidity_IsSkipped()
    {
        await _imap.AppendAsync(ReplyMessages.HumanAnswer());
        var mailbox = Mailbox();
        var current = Assert.Single(await mailbox.FetchAsync(CancellationToken.None));
        var validity = uint.Parse(current.Id.Split(':')[0], System.Globalization.CultureInfo.InvariantCulture);

        await mailbox.AcknowledgeAsync([$"{validity + 1}:1"], CancellationToken.None);

        Assert.Equal(current.Id, Assert.Single(await mailbox.FetchAsync(CancellationToken.None)).Id);
    }

    [Theory]
    [InlineData("42")]
    [InlineData("abc:1")]
    [InlineData("1:0")]
    [InlineData("1:2:3")]
    public async Task AcknowledgeAsync_MalformedId_ThrowsFormatExceptionBeforeConnecting(string id)
    {
        await Assert.ThrowsAsync<FormatException>(() => Mailbox().AcknowledgeAsync([id], CancellationToken.None));
    }

    [Fact]
    public async Task FetchAsync_WrongPassword_ThrowsAuthenticationException()
    {
        var mailbox = new ImapReplyMailbox(
            new ImapMailboxOptions { Host = _imap.Host, Port = _imap.Port, Security = ImapSecurity.None, UserName = _imap.User, Password = "pas-le-bon" },
            TimeProvider.System,
            NullLogger<ImapReplyMailbox>.Instance);

        await Assert.ThrowsAsync<MailKit.Security.AuthenticationException>(() => mailbox.FetchAsync(CancellationToken.None));
    }

    private static readonly string[] ExpectedSubjects =
    [
        "Undelivered Mail Returned to Sender",
        "Accepté : Conseil municipal — séance ordinaire",
        "Refusé : Conseil municipal — séance ordinaire",
        "RE: Convocation au conseil municipal du 1er décembre 2026",
    ];

    private Task AppendOneOfEachAsync() => AppendOneOfEachAsync(_imap);

    private static async Task AppendOneOfEachAsync(ImapTestServer imap)
    {
        await imap.AppendAsync(ReplyMessages.PostfixBounce([(TestMessages.RecipientEmail, "failed", "5.1.1", "550 5.1.1 User unknown")]));
        await imap.AppendAsync(ReplyMessages.CalendarReply("ACCEPTED"));
        await imap.AppendAsync(ReplyMessages.CalendarReply("DECLINED", subjectPrefix: "Refusé"));
        await imap.AppendAsync(ReplyMessages.HumanAnswer());
    }

    private ImapReplyMailbox Mailbox() => Mailbox(_imap);

    private static ImapReplyMailbox Mailbox(ImapTestServer imap) => new(
        new ImapMailboxOptions { Host = imap.Host, Port = imap.Port, Security = ImapSecurity.None, UserName = imap.User, Password = imap.Password },
        TimeProvider.System,
        NullLogger<ImapReplyMailbox>.Instance);
}
