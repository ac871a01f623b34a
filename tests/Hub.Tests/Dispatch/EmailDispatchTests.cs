using Ical.Net;
using IntegrationHub.Evidence.Ledger;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport;
using IntegrationHub.TestSupport.Smtp;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Xunit;

namespace IntegrationHub.Tests.Dispatch;

/// <summary>The hub sending through a real SMTP server (aiosmtpd), including a stop in the middle of a dispatch.</summary>
[Collection(HubHostsGroup.Name)]
public sealed class EmailDispatchTests : IDisposable
{
    private readonly SmtpSinkServer _smtp = new();

    public void Dispose() => _smtp.Dispose();

    private Dictionary<string, string?> SmtpSettings(int workers) => new()
    {
        ["Hub:Connectors:Email:Host"] = _smtp.Host,
        ["Hub:Connectors:Email:Port"] = _smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Hub:Connectors:Email:Security"] = "None",
        ["Hub:Connectors:Email:FromAddress"] = "convocations@mairie-saint-clair.fr",
        ["Hub:Dispatch:WorkerCount"] = workers.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    [Fact]
    public async Task Send_ThroughRealSmtp_ArrivesInFrenchWithCalendarRequest()
    {
        await using var app = await HubApp.StartAsync(TestDatabase.Sqlite, extra: SmtpSettings(workers: 2));
        var s = await Scenario.CreateAsync(app.Admin, members: 2);
        await app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);

        var messages = await _smtp.WaitForMessagesAsync(2, TimeSpan.FromSeconds(30));
        var message = messages.Single(m => m.To.Mailboxes.Single().Address == s.MemberEmails[0]);
        Assert.Equal("convocations@mairie-saint-clair.fr", message.From.Mailboxes.Single().Address);
        Assert.Equal("Convocation\u00A0: Conseil municipal du jeudi 26 mars 2026 à 18\u00A0h\u00A030", message.Subject);
        Assert.Contains("J'ai l'honneur de vous convoquer", message.TextBody, StringComparison.Ordinal);
        Assert.Contains("Salle du conseil, hôtel de ville", message.TextBody, StringComparison.Ordinal);
        Assert.Contains("Subvention à l'école de musique", message.TextBody, StringComparison.Ordinal);
        Assert.Contains("http://hub.test/convocations/", message.TextBody, StringComparison.Ordinal);

        var calendarPart = message.BodyParts.OfType<TextPart>().Single(p => p.ContentType.IsMimeType("text", "calendar"));
        Assert.Equal("REQUEST", calendarPart.ContentType.Parameters["method"]);
        var calendar = Calendar.Load(calendarPart.Text)!;
        var meeting = calendar.Events.Single();
        Assert.Equal("REQUEST", calendar.Method);
        Assert.Equal(0, meeting.Sequence);
        Assert.Equal("Europe/Paris", meeting.DtStart!.TzId);
        Assert.Equal(new DateTime(2026, 3, 26, 18, 30, 0), meeting.DtStart.Value);
        Assert.Equal($"mailto:{s.MemberEmails[0]}", meeting.Attendees.Single().Value!.ToString(), ignoreCase: true);
        Assert.Contains(s.SessionId.ToString("N"), meeting.Uid, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopMidDispatch_Restart_EveryMemberGetsExactlyOneEmail()
    {
        const int members = 60;
        var settings = await HubApp.PrepareAsync(TestDatabase.Sqlite, extra: SmtpSettings(workers: 1));
        Scenario s;
        int arrivedBeforeStop;
        await using (var first = await HubApp.StartAsync(settings))
        {
            s = await Scenario.CreateAsync(first.Admin, members: members);
            await first.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
            await _smtp.WaitForMessagesAsync(3, TimeSpan.FromSeconds(30));
        }
        arrivedBeforeStop = _smtp.MessageCount;
        Assert.True(arrivedBeforeStop < members, $"the host was stopped after the dispatch finished ({arrivedBeforeStop} messages): nothing was interrupted");

        await using var second = await HubApp.StartAsync(settings);
        var messages = await _smtp.WaitForMessagesAsync(members, TimeSpan.FromSeconds(60));
        await Eventually.WaitAsync(
            () => second.Admin.GetOkAsync($"/api/sessions/{s.SessionId}/convocations"),
            json => json.EnumerateArray().All(c => c.GetProperty("deliveries")[0].GetProperty("status").GetString() == "sent"),
            TimeSpan.FromSeconds(30), "every delivery recorded as sent");

        var recipients = messages.Select(m => m.To.Mailboxes.Single().Address).ToList();
        Assert.Equal(members, recipients.Count);
        Assert.Equal(s.MemberEmails.Order(), recipients.Order());
        Assert.Equal(members, _smtp.MessageCount);

        // The stop cut the dispatch, not the evidence: the chain is whole and every message sent has its entry.
        var ledger = second.Services.GetRequiredService<EvidenceLedger>();
        var verification = await ledger.VerifyChainAsync(s.AuthorityId, CancellationToken.None);
        Assert.True(verification.IsIntact, verification.FirstBreak?.Reason);
        var sentEntries = (await ledger.GetSessionEntriesAsync(s.SessionId, CancellationToken.None)).Where(e => e.Type == LedgerEntryTypes.DeliverySent);
        Assert.Equal(members, sentEntries.Select(e => e.Subject.DeliveryId).Distinct().Count());
    }

    [Fact]
    public async Task SmtpOutage_DeliveriesRetryAndCompleteOnceServerIsBack()
    {
        _smtp.Stop();
        var extra = SmtpSettings(workers: 2);
        // Eight attempts spaced one second apart: enough for the outage below, short enough for a test.
        for (var i = 0; i < 7; i++)
        {
            extra[$"Hub:Dispatch:RetryDelays:{i}"] = "00:00:01";
        }
        await using var app = await HubApp.StartAsync(TestDatabase.Sqlite, extra: extra);
        var s = await Scenario.CreateAsync(app.Admin, members: 3);
        await app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);

        var failing = await Eventually.WaitAsync(
            () => app.Admin.GetOkAsync($"/api/sessions/{s.SessionId}/convocations"),
            json => json.EnumerateArray().All(c => c.GetProperty("deliveries")[0].GetProperty("attempts").GetInt32() >= 2),
            TimeSpan.FromSeconds(30), "every delivery to have failed at least twice");
        var delivery = failing.EnumerateArray().First().GetProperty("deliveries")[0];
        Assert.Equal("pending", delivery.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(delivery.GetProperty("error").GetString()));
        Assert.Equal(0, _smtp.MessageCount);

        _smtp.Start();
        var messages = await _smtp.WaitForMessagesAsync(3, TimeSpan.FromSeconds(30));
        var done = await Eventually.WaitAsync(
            () => app.Admin.GetOkAsync($"/api/sessions/{s.SessionId}/convocations"),
            json => json.EnumerateArray().All(c => c.GetProperty("deliveries")[0].GetProperty("status").GetString() == "sent"),
            TimeSpan.FromSeconds(30), "every delivery sent");
        Assert.Equal(s.MemberEmails.Order(), messages.Select(m => m.To.Mailboxes.Single().Address).Order());
        Assert.All(done.EnumerateArray(), c => Assert.True(c.GetProperty("deliveries")[0].GetProperty("attempts").GetInt32() >= 2));
    }

    [Fact]
    public async Task PermanentRejection_DeliveryFailsWithoutRetry()
    {
        using var strict = new SmtpSinkServer(maxMessageSize: 1000);
        var extra = SmtpSettings(workers: 1);
        extra["Hub:Connectors:Email:Host"] = strict.Host;
        extra["Hub:Connectors:Email:Port"] = strict.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var app = await HubApp.StartAsync(TestDatabase.Sqlite, extra: extra);
        var s = await Scenario.CreateAsync(app.Admin, members: 1);
        await app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);

        var failed = await Eventually.WaitAsync(
            () => app.Admin.GetOkAsync($"/api/sessions/{s.SessionId}/convocations"),
            json => json.EnumerateArray().Single().GetProperty("deliveries")[0].GetProperty("status").GetString() == "failed",
            TimeSpan.FromSeconds(30), "the delivery to fail");
        var delivery = failed.EnumerateArray().Single().GetProperty("deliveries")[0];
        Assert.Equal(1, delivery.GetProperty("attempts").GetInt32());
        Assert.Contains("552", delivery.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, strict.MessageCount);
    }
}
