using System.Text;
using IntegrationHub.Plugins.Mailboxes;
using MimeKit;

namespace IntegrationHub.Connectors.Email.Tests;

/// <summary>The classification of reply-mailbox messages, on messages parsed back from their bytes as IMAP gives them.</summary>
public sealed class ReplyMessageClassifierTests
{
    private const string Id = "1700000000:42";
    private static readonly DateTimeOffset Received = new(2026, 11, 21, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Classify_BounceReturningTheWholeMessage_TakesTheMessageIdFromTheReturnedMessage()
    {
        var bounce = ReplyMessages.PostfixBounce([(TestMessages.RecipientEmail, "failed", "5.7.1", "550 5.7.1 Message rejected as spam")]);
        var returned = new MimeMessage { MessageId = ReplyMessages.ReturnedMessageId, Subject = "Convocation" };
        returned.From.Add(new MailboxAddress(string.Empty, TestMessages.FromAddress));
        returned.Body = new TextPart("plain") { Text = "Convocation" };
        Assert.IsType<MultipartReport>(bounce.Body).Add(new MessagePart { Message = returned });

        var report = Assert.IsType<DeliveryStatusReport>(Assert.Single(Classify(bounce)));

        Assert.Equal(ReplyMessages.ReturnedMessageId, report.OriginalMessageId);
        Assert.Equal("5.7.1", report.Status);
        Assert.Equal(Id, report.Id);
        Assert.Equal(Received, report.ReceivedAt);
    }

    [Fact]
    public void Classify_BounceWithoutEnvelopeIdOrDiagnostic_LeavesThemNull()
    {
        var bounce = ReplyMessages.PostfixBounce([(TestMessages.RecipientEmail, "delivered", "2.0.0", null)], envelopeId: null);

        var report = Assert.IsType<DeliveryStatusReport>(Assert.Single(Classify(bounce)));

        Assert.Null(report.OriginalEnvelopeId);
        Assert.Null(report.Diagnostic);
        Assert.Equal("delivered", report.Action);
    }

    [Fact]
    public void Classify_ReadReceipt_IsUnrecognised()
    {
        var receipt = new MimeMessage { Subject = "Lu : Convocation" };
        receipt.From.Add(new MailboxAddress("Jean Martin", "jean.martin@exemple.fr"));
        var disposition = new MimePart("message", "disposition-notification")
        {
            Content = new MimeContent(new MemoryStream(Encoding.ASCII.GetBytes("Reporting-UA: outlook\r\nFinal-Recipient: rfc822;jean.martin@exemple.fr\r\nDisposition: manual-action/MDN-sent-manually; displayed\r\n"))),
        };
        receipt.Body = new MultipartReport("disposition-notification") { new TextPart("plain") { Text = "Lu." }, disposition };

        var unrecognised = Assert.IsType<UnrecognisedMessage>(Assert.Single(Classify(receipt)));

        Assert.Equal("\"Lu : Convocation\" from jean.martin@exemple.fr", unrecognised.Summary);
    }

    [Fact]
    public void Classify_ForwardedInvitation_IsUnrecognised()
    {
        Assert.IsType<UnrecognisedMessage>(Assert.Single(Classify(ReplyMessages.CalendarReply("NEEDS-ACTION", method: "REQUEST"))));
    }

    [Fact]
    public void Classify_TentativeAnswerAsAnIcsAttachmentOnly_IsACalendarReply()
    {
        var answer = ReplyMessages.CalendarReply("TENTATIVE");
        var calendar = Assert.IsType<MultipartAlternative>(answer.Body).OfType<TextPart>().Single(p => p.ContentType.MimeType == "text/calendar");
        answer.Body = new Multipart("mixed")
        {
            new TextPart("plain") { Text = "Réponse provisoire." },
            new MimePart("application", "ics")
            {
                Content = new MimeContent(new MemoryStream(Encoding.UTF8.GetBytes(calendar.Text))),
                FileName = "reponse.ics",
                ContentTransferEncoding = ContentEncoding.Base64,
            },
        };

        var reply = Assert.IsType<CalendarReply>(Assert.Single(Classify(answer)));

        Assert.Equal("TENTATIVE", reply.ParticipationStatus);
        Assert.Equal(TestMessages.RecipientEmail, reply.AttendeeEmail);
    }

    [Fact]
    public void Classify_MalformedCalendar_IsUnrecognised()
    {
        var answer = ReplyMessages.CalendarReply("ACCEPTED");
        var calendar = Assert.IsType<MultipartAlternative>(answer.Body).OfType<TextPart>().Single(p => p.ContentType.MimeType == "text/calendar");
        calendar.SetText(Encoding.UTF8, "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nce n'est pas de l'iCalendar\r\n");

        Assert.IsType<UnrecognisedMessage>(Assert.Single(Classify(answer)));
    }

    private static IReadOnlyList<MailboxEvent> Classify(MimeMessage message)
    {
        // Parsed back from bytes, as a message fetched over IMAP is: the parser picks the MIME classes.
        using var bytes = new MemoryStream();
        message.WriteTo(bytes);
        bytes.Position = 0;
        return ReplyMessageClassifier.Classify(MimeMessage.Load(bytes), Id, Received);
    }
}
