using System.Net.Http.Json;
using System.Text;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport;
using IntegrationHub.TestSupport.Imap;
using IntegrationHub.TestSupport.Smtp;
using MimeKit;
using Xunit;

namespace IntegrationHub.Tests.Connectors;

/// <summary>
/// An authority's own email connector, configured through the API against a real SMTP server (aiosmtpd) and a real
/// IMAP server (dovecot): a bounce marks the delivery failed, a member's calendar reply becomes their answer.
/// </summary>
[Collection(HubHostsGroup.Name)]
public sealed class ReplyMailboxTests : IAsyncLifetime
{
    private readonly SmtpSinkServer _smtp = new();
    private readonly ImapTestServer _imap = new();
    private HubApp _app = null!;

    public async Task InitializeAsync() =>
        _app = await HubApp.StartAsync(TestDatabase.Sqlite, extra: new Dictionary<string, string?> { ["Hub:Mailboxes:PollInterval"] = "00:00:00.300" });

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        _imap.Dispose();
        _smtp.Dispose();
    }

    [Fact]
    public async Task BounceAndCalendarReply_InTheReplyMailbox_AreAppliedOnce()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 2);
        var put = await _app.Admin.PutAsJsonAsync($"/api/authorities/{s.AuthorityId}/connectors/email", new
        {
            type = "email",
            settings = new
            {
                host = _smtp.Host, port = _smtp.Port, security = "none", senderAddress = "convocations@saint-clair.fr", senderName = "Mairie de Saint-Clair",
                imapHost = _imap.Host, imapPort = _imap.Port, imapSecurity = "none", imapUsername = _imap.User,
            },
            secrets = new { imapPassword = _imap.Password },
        });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        var test = await _app.Admin.PostOkAsync($"/api/authorities/{s.AuthorityId}/connectors/email/test", new { }, 200);
        Assert.True(test.GetProperty("ok").GetBoolean(), test.ToString());

        await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        var sent = await _smtp.WaitForMessagesAsync(2, TimeSpan.FromSeconds(30));
        Assert.All(sent, m => Assert.Equal("convocations@saint-clair.fr", m.From.Mailboxes.Single().Address));
        var toBounce = sent.Single(m => m.To.Mailboxes.Single().Address == s.MemberEmails[0]);
        var toAnswer = sent.Single(m => m.To.Mailboxes.Single().Address == s.MemberEmails[1]);
        var invitation = Ical.Net.Calendar.Load(toAnswer.BodyParts.OfType<TextPart>().Single(p => p.ContentType.IsMimeType("text", "calendar")).Text)!
            .Events.Single();
        // Replies go to the organizer: it must be the mailbox this authority's connector reads.
        Assert.Equal("mailto:convocations@saint-clair.fr", invitation.Organizer!.Value!.ToString(), ignoreCase: true);
        var uid = invitation.Uid!;

        await _imap.AppendAsync(Bounce(toBounce));
        await _imap.AppendAsync(Reply(uid, s.MemberEmails[1], "ACCEPTED"));

        var convocations = await Eventually.WaitAsync(
            () => _app.Admin.GetOkAsync($"/api/sessions/{s.SessionId}/convocations"),
            json => json.EnumerateArray().Any(c => c.GetProperty("deliveries")[0].GetProperty("status").GetString() == "failed")
                 && json.EnumerateArray().Any(c => c.GetProperty("answer").ValueKind == System.Text.Json.JsonValueKind.Object),
            TimeSpan.FromSeconds(30), "the bounce and the reply applied");
        var bounced = convocations.EnumerateArray().Single(c => c.GetProperty("memberId").GetGuid() == s.MemberIds[0]);
        Assert.Contains("5.1.1", bounced.GetProperty("deliveries")[0].GetProperty("error").GetString(), StringComparison.Ordinal);
        var answered = convocations.EnumerateArray().Single(c => c.GetProperty("memberId").GetGuid() == s.MemberIds[1]);
        Assert.Equal("present", answered.GetProperty("answer").GetProperty("attendance").GetString());
        Assert.Equal("calendar-reply", answered.GetProperty("answer").GetProperty("source").GetString());

        await Eventually.WaitAsync(ProcessedSubjectsAsync, subjects => subjects.Count == 2, TimeSpan.FromSeconds(30), "both messages moved to Traités");
        Assert.Empty(await _imap.FolderSubjectsAsync("INBOX"));
        var history = await _app.Admin.GetOkAsync($"/api/convocations/{answered.GetProperty("convocationId").GetGuid()}/answers");
        Assert.Single(history.EnumerateArray());
    }

    /// <summary>The processed folder is created by the first acknowledgement; until then it holds nothing.</summary>
    private async Task<IReadOnlyList<string>> ProcessedSubjectsAsync()
    {
        try
        {
            return await _imap.FolderSubjectsAsync("Traités");
        }
        catch (InvalidOperationException)
        {
            return [];
        }
    }

    /// <summary>A bounce as a remote MTA returns it (RFC 3464), with the original headers (RET=HDRS).</summary>
    private static MimeMessage Bounce(MimeMessage original)
    {
        var recipient = original.To.Mailboxes.Single().Address;
        var status = $"Reporting-MTA: dns; mx.example.org\r\n\r\nFinal-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 <{recipient}>: Recipient address rejected: User unknown\r\n";
        using var headers = new MemoryStream();
        original.Headers.WriteTo(headers);
        var message = new MimeMessage { Subject = "Undelivered Mail Returned to Sender" };
        message.From.Add(new MailboxAddress("Mail Delivery System", "MAILER-DAEMON@mx.example.org"));
        message.To.Add(MailboxAddress.Parse("convocations@saint-clair.fr"));
        message.Body = new MultipartReport("delivery-status")
        {
            new TextPart("plain") { Text = "Your message could not be delivered." },
            new MimePart("message", "delivery-status") { Content = new MimeContent(new MemoryStream(Encoding.ASCII.GetBytes(status))) },
            new MimePart("text", "rfc822-headers") { Content = new MimeContent(new MemoryStream(headers.ToArray())) },
        };
        return message;
    }

    /// <summary>An attendee's answer as a calendar client sends it (iTIP METHOD:REPLY).</summary>
    private static MimeMessage Reply(string uid, string attendee, string partStat)
    {
        var ics = string.Join("\r\n",
            "BEGIN:VCALENDAR", "METHOD:REPLY", "PRODID:-//Test//Client//FR", "VERSION:2.0", "BEGIN:VEVENT",
            $"UID:{uid}", "SEQUENCE:0", "DTSTAMP:20260311T080000Z", $"ATTENDEE;PARTSTAT={partStat}:mailto:{attendee}",
            "ORGANIZER:mailto:convocations@saint-clair.fr", "END:VEVENT", "END:VCALENDAR", "");
        var calendar = new TextPart("calendar") { Text = ics };
        calendar.ContentType.Parameters.Add("method", "REPLY");
        var message = new MimeMessage { Subject = "Accepté : Conseil municipal" };
        message.From.Add(MailboxAddress.Parse(attendee));
        message.To.Add(MailboxAddress.Parse("convocations@saint-clair.fr"));
        message.Body = new Multipart("alternative") { new TextPart("plain") { Text = "Accepté" }, calendar };
        return message;
    }
}
