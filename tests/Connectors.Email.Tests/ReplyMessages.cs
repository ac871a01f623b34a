using System.Text;
using MimeKit;

namespace IntegrationHub.Connectors.Email.Tests;

/// <summary>What lands in the reply mailbox, shaped as real senders shape it.</summary>
internal static class ReplyMessages
{
    public const string ReturnedMessageId = "convocation-2026-12-01-elu-7@mairie-exemple.fr";
    public const string EnvelopeId = "convocation-2026-12-01-elu-7";

    public static readonly DateTimeOffset BounceDate = new(2026, 11, 20, 10, 31, 4, TimeSpan.FromHours(1));

    /// <summary>
    /// A bounce as Postfix writes it (bounce(8), RFC 3464): multipart/report { text/plain explanation,
    /// message/delivery-status, text/rfc822-headers (RET=HDRS) }.
    /// </summary>
    /// <param name="recipients">Final recipient, action, status and diagnostic of each per-recipient group.</param>
    /// <param name="envelopeId">The ENVID the sender gave, or null when it gave none.</param>
    /// <param name="returnedHeaders">The original message's header block, or null for a report without it.</param>
    /// <param name="subject">The bounce's subject.</param>
    public static MimeMessage PostfixBounce(
        IReadOnlyList<(string Recipient, string Action, string Status, string? Diagnostic)> recipients,
        string? envelopeId = EnvelopeId,
        string? returnedHeaders = null,
        string subject = "Undelivered Mail Returned to Sender")
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Mail Delivery System", "MAILER-DAEMON@mx1.exemple.fr"));
        message.To.Add(new MailboxAddress(string.Empty, TestMessages.FromAddress));
        message.Subject = subject;
        message.Date = BounceDate;
        message.MessageId = "20261120093104.4F2B1C0123@mx1.exemple.fr";
        message.Headers.Add("Auto-Submitted", "auto-replied");

        var explanation = new TextPart("plain")
        {
            Text = "This is the mail system at host mx1.exemple.fr.\n\n" +
                   "I'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients.\n\n" +
                   string.Join("\n", recipients.Select(r => $"<{r.Recipient}>: {r.Diagnostic}")) + "\n",
        };
        explanation.ContentDescription = "Notification";

        var status = new StringBuilder()
            .Append("Reporting-MTA: dns; mx1.exemple.fr\r\n")
            .Append("X-Postfix-Queue-ID: 4F2B1C0123\r\n");
        if (envelopeId is not null)
        {
            status.Append("Original-Envelope-Id: ").Append(envelopeId).Append("\r\n");
        }

        status.Append("X-Postfix-Sender: rfc822; ").Append(TestMessages.FromAddress).Append("\r\n")
              .Append("Arrival-Date: Fri, 20 Nov 2026 10:30:58 +0100 (CET)\r\n");
        foreach (var (recipient, action, code, diagnostic) in recipients)
        {
            status.Append("\r\n")
                  .Append("Final-Recipient: rfc822; ").Append(recipient).Append("\r\n")
                  .Append("Original-Recipient: rfc822;").Append(recipient).Append("\r\n")
                  .Append("Action: ").Append(action).Append("\r\n")
                  .Append("Status: ").Append(code).Append("\r\n")
                  .Append("Remote-MTA: dns; mx2.exemple.fr\r\n");
            if (diagnostic is not null)
            {
                // Folded as Postfix folds long fields.
                status.Append("Diagnostic-Code: smtp; ").Append(diagnostic.Replace(" rejected: ", " rejected:\r\n    ", StringComparison.Ordinal)).Append("\r\n");
            }
        }

        var deliveryStatus = new MimePart("message", "delivery-status")
        {
            Content = new MimeContent(new MemoryStream(Encoding.ASCII.GetBytes(status.ToString()))),
            ContentDescription = "Delivery report",
        };

        var report = new MultipartReport("delivery-status") { explanation, deliveryStatus };
        if (returnedHeaders is not null)
        {
            report.Add(new MimePart("text", "rfc822-headers")
            {
                Content = new MimeContent(new MemoryStream(Encoding.UTF8.GetBytes(returnedHeaders))),
                ContentDescription = "Undelivered Message Headers",
            });
        }

        message.Body = report;
        return message;
    }

    /// <summary>The header block of a message the hub sent, as a bounce returns it.</summary>
    public static string HeadersOf(MimeMessage sent)
    {
        using var stream = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        sent.Headers.WriteTo(format, stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static string SampleReturnedHeaders() =>
        "Return-Path: <convocations@mairie-exemple.fr>\r\n" +
        "Received: from relais.mairie-exemple.fr (relais.mairie-exemple.fr [192.0.2.10])\r\n" +
        "\tby mx1.exemple.fr (Postfix) with ESMTPS id 4F2B1C0123\r\n" +
        "\tfor <helene.dupre@exemple.fr>; Fri, 20 Nov 2026 10:30:58 +0100 (CET)\r\n" +
        "From: =?utf-8?q?Secr=C3=A9tariat_des_assembl=C3=A9es?= <convocations@mairie-exemple.fr>\r\n" +
        "To: =?utf-8?q?H=C3=A9l=C3=A8ne_Dupr=C3=A9-Lef=C3=A8vre?= <helene.dupre@exemple.fr>\r\n" +
        "Subject: Convocation au conseil municipal\r\n" +
        $"Message-ID: <{ReturnedMessageId}>\r\n" +
        "X-Hub-Idempotency-Key: convocation-2026-12-01-elu-7\r\n" +
        "MIME-Version: 1.0\r\n";

    /// <summary>
    /// An attendee's answer as Outlook sends it: multipart/alternative { text/plain, text/calendar; method=REPLY
    /// (base64) }, the .ics written by hand as the client writes it, not by the hub's library.
    /// </summary>
    public static MimeMessage CalendarReply(string partStat, string attendee = TestMessages.RecipientEmail, int sequence = 0, string method = "REPLY", string subjectPrefix = "Accepté")
    {
        var ics = string.Join("\r\n",
            "BEGIN:VCALENDAR",
            $"METHOD:{method}",
            "PRODID:Microsoft Exchange Server 2010",
            "VERSION:2.0",
            "BEGIN:VEVENT",
            $"ATTENDEE;PARTSTAT={partStat};CN=\"Hélène Dupré-Lefèvre\":MAILTO:{attendee}",
            "COMMENT;LANGUAGE=fr-FR:Je serai présente.",
            "SUMMARY;LANGUAGE=fr-FR:" + subjectPrefix + " : Conseil municipal — séance ordinaire",
            "DTSTART;TZID=Europe/Paris:20261201T183000",
            "DTEND;TZID=Europe/Paris:20261201T203000",
            $"UID:{TestMessages.SessionUid}",
            "CLASS:PUBLIC",
            "PRIORITY:5",
            "DTSTAMP:20261121T080512Z",
            "TRANSP:OPAQUE",
            "STATUS:CONFIRMED",
            $"SEQUENCE:{sequence}",
            "LOCATION;LANGUAGE=fr-FR:Salle des fêtes, Hôtel de ville",
            "END:VEVENT",
            "END:VCALENDAR",
            string.Empty);

        var calendar = new TextPart("calendar") { ContentTransferEncoding = ContentEncoding.Base64 };
        calendar.SetText(Encoding.UTF8, ics);
        calendar.ContentType.Parameters.Add("method", method);

        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(TestMessages.RecipientName, attendee));
        message.To.Add(new MailboxAddress("Secrétariat général", "secretariat@mairie-exemple.fr"));
        message.Subject = $"{subjectPrefix} : Conseil municipal — séance ordinaire";
        message.Date = new DateTimeOffset(2026, 11, 21, 9, 5, 12, TimeSpan.FromHours(1));
        message.Body = new MultipartAlternative
        {
            new TextPart("plain") { Text = $"{TestMessages.RecipientName} a répondu : {partStat}." },
            calendar,
        };
        return message;
    }

    /// <summary>A councillor answering the convocation by hand.</summary>
    public static MimeMessage HumanAnswer(string subject = "RE: Convocation au conseil municipal du 1er décembre 2026")
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Jean Martin", "jean.martin@exemple.fr"));
        message.To.Add(new MailboxAddress(string.Empty, TestMessages.FromAddress));
        message.Subject = subject;
        message.Date = new DateTimeOffset(2026, 11, 21, 11, 0, 0, TimeSpan.FromHours(1));
        message.Body = new TextPart("plain") { Text = "Bonjour, je donne pouvoir à Mme Dupré pour la séance. Cordialement." };
        return message;
    }
}
