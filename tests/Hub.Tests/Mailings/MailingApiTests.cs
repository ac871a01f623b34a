using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport;
using Xunit;

namespace IntegrationHub.Tests.Mailings;

/// <summary>« Envoi dématérialisé de documents »: documents sent to élus outside any session, on SQLite and PostgreSQL.</summary>
[Collection(HubHostsGroup.Name)]
public abstract class MailingApiTests : IAsyncLifetime
{
    private const string LinkPrefix = "http://hub.test/mailings/";

    private HubApp _app = null!;

    protected abstract TestDatabase Database { get; }

    public async Task InitializeAsync() => _app = await HubApp.StartAsync(Database);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Send_TellsEachRecipient_WhoReadsThroughTheirOwnLink_AndReadsAreRecorded()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 3, synthesisNote: false);
        var mailing = await _app.Admin.PostOkAsync($"/api/authorities/{s.AuthorityId}/mailings", new
        {
            title = "Rapport annuel du délégataire de l'eau", message = "Pour information, avant la commission du 2 avril.", memberIds = s.MemberIds.Take(2),
        });
        Assert.Equal("draft", mailing.GetProperty("status").GetString());
        var pdf = Scenario.Pdf(new string('r', 3000));
        var document = await UploadAsync(mailing.Id(), "Rapport 2025.pdf", pdf);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(pdf)), document.GetProperty("sha256").GetString());

        var sent = await _app.Admin.PostOkAsync($"/api/mailings/{mailing.Id()}/send", new { }, 202);
        Assert.Equal(2, sent.GetProperty("recipients").GetInt32());
        Assert.Equal(2, sent.GetProperty("deliveries").GetInt32());

        var messages = await Eventually.WaitAsync(
            () => Task.FromResult(_app.Outbox()),
            list => list.Count == 2, TimeSpan.FromSeconds(30), "one message per recipient");
        Assert.DoesNotContain(messages, m => m.To.Mailboxes.Any(a => a.Address == s.MemberEmails[2]));
        var first = messages.Single(m => m.To.Mailboxes.Any(a => a.Address == s.MemberEmails[0]));
        Assert.Equal("Commune de Saint-Clair-sur-Test\u00A0: Rapport annuel du délégataire de l'eau", first.Subject);
        Assert.Contains("Rapport 2025.pdf", first.TextBody, StringComparison.Ordinal);
        Assert.Contains("Pour information, avant la commission du 2 avril.", first.TextBody, StringComparison.Ordinal);
        Assert.Null(first.BodyParts.OfType<MimeKit.MimePart>().FirstOrDefault(p => p.ContentType.MimeType == "text/calendar"));
        var token = TokenIn(first);

        using var member = _app.CreateClient(null);
        var page = await (await member.GetAsync($"/mailings/{token}")).Content.ReadAsStringAsync();
        Assert.Contains("Rapport 2025.pdf", page, StringComparison.Ordinal);
        var detail = await _app.Admin.GetOkAsync($"/api/mailings/{mailing.Id()}");
        Assert.All(detail.GetProperty("recipients").EnumerateArray(), r => Assert.Equal(JsonValueKind.Null, r.GetProperty("firstOpenedAt").ValueKind));

        var downloadUrl = $"/mailings/{token}/documents/{document.Id()}";
        Assert.Contains(downloadUrl, page, StringComparison.Ordinal);
        var download = await member.GetAsync(downloadUrl);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(pdf, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal($"\"{document.GetProperty("sha256").GetString()}\"", download.Headers.ETag!.Tag);
        Assert.Equal(HttpStatusCode.OK, (await member.GetAsync(downloadUrl)).StatusCode);

        detail = await _app.Admin.GetOkAsync($"/api/mailings/{mailing.Id()}");
        Assert.Equal("sent", detail.GetProperty("status").GetString());
        var reader = detail.GetProperty("recipients").EnumerateArray().Single(r => r.GetProperty("memberId").GetGuid() == s.MemberIds[0]);
        var other = detail.GetProperty("recipients").EnumerateArray().Single(r => r.GetProperty("memberId").GetGuid() == s.MemberIds[1]);
        Assert.NotEqual(JsonValueKind.Null, reader.GetProperty("firstOpenedAt").ValueKind);
        Assert.Equal(2, reader.GetProperty("downloads").GetInt32());
        Assert.Equal(JsonValueKind.Null, other.GetProperty("firstOpenedAt").ValueKind);
        Assert.Equal("sent", reader.GetProperty("deliveries")[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task Links_OpenOnlyTheirOwnMailing_AndAreNotConvocationLinks()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 1, synthesisNote: false);
        var a = await CreateSentMailingAsync(s, "Note d'information n°1");
        var b = await _app.Admin.PostOkAsync($"/api/authorities/{s.AuthorityId}/mailings", new { title = "Note d'information n°2", memberIds = s.MemberIds });
        var documentB = await UploadAsync(b.Id(), "note-2.pdf", Scenario.Pdf("deux"));
        var token = TokenIn(await Eventually.WaitAsync(() => Task.FromResult(_app.Outbox()), l => l.Count == 1, TimeSpan.FromSeconds(30), "mailing A"));
        using var member = _app.CreateClient(null);

        Assert.Equal(HttpStatusCode.NotFound, (await member.GetAsync($"/mailings/{token}/documents/{documentB.Id()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await member.GetAsync($"/convocations/{token}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await member.GetAsync($"/mailings/{token[..^1]}{(token[^1] == 'A' ? 'B' : 'A')}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await member.GetAsync($"/api/mailings/{a.Id()}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _app.Admin.GetAsync($"/api/mailings/{b.Id()}/documents/{documentB.Id()}/content")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _app.Admin.GetAsync($"/api/mailings/{a.Id()}/documents/{documentB.Id()}/content")).StatusCode);
    }

    [Fact]
    public async Task AnotherAuthoritysKey_SeesNothing_AndCannotAddItsMembers()
    {
        var a = await Scenario.CreateAsync(_app.Admin, members: 1, synthesisNote: false);
        var b = await Scenario.CreateAsync(_app.Admin, members: 1, synthesisNote: false);
        var mailing = await _app.Admin.PostOkAsync($"/api/authorities/{a.AuthorityId}/mailings", new { title = "Courrier", memberIds = a.MemberIds });
        var keyB = (await _app.Admin.PostOkAsync("/api/api-keys", new { name = "Secrétariat B", role = "secretariat", authorityId = b.AuthorityId })).GetProperty("key").GetString();
        using var clientB = _app.CreateClient(keyB);

        Assert.Equal(HttpStatusCode.NotFound, (await clientB.GetAsync($"/api/mailings/{mailing.Id()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await clientB.PostAsync($"/api/mailings/{mailing.Id()}/send", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await clientB.GetAsync($"/api/authorities/{a.AuthorityId}/mailings")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await clientB.PostAsJsonAsync($"/api/authorities/{a.AuthorityId}/mailings", new { title = "x", memberIds = a.MemberIds })).StatusCode);

        var foreign = await clientB.PostAsJsonAsync($"/api/authorities/{b.AuthorityId}/mailings", new { title = "Courrier", memberIds = a.MemberIds });
        Assert.Equal(HttpStatusCode.BadRequest, foreign.StatusCode);
        Assert.Contains(a.MemberIds[0].ToString(), (await foreign.ReadJsonAsync()).GetProperty("errors").GetProperty("memberIds")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadInput_GetsClearFrenchErrors_AndASentMailingIsFrozen()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 1, synthesisNote: false);
        var invalid = await _app.Admin.PostAsJsonAsync($"/api/authorities/{s.AuthorityId}/mailings", new { title = " ", memberIds = Array.Empty<Guid>(), linkValidityDays = 0 });
        var errors = (await invalid.ReadJsonAsync()).GetProperty("errors");
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains("objet", errors.GetProperty("title")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("destinataires", errors.GetProperty("memberIds")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("validité", errors.GetProperty("linkValidityDays")[0].GetString(), StringComparison.Ordinal);

        var mailing = await _app.Admin.PostOkAsync($"/api/authorities/{s.AuthorityId}/mailings", new { title = "Courrier", memberIds = s.MemberIds });
        var empty = await _app.Admin.PostAsync($"/api/mailings/{mailing.Id()}/send", null);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, empty.StatusCode);
        Assert.Contains("au moins un document", (await empty.ReadJsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        var exe = await UploadRawAsync(mailing.Id(), "programme.pdf", "MZ\u0090\u0000"u8.ToArray());
        Assert.Equal(HttpStatusCode.BadRequest, exe.StatusCode);

        await UploadAsync(mailing.Id(), "courrier.pdf", Scenario.Pdf("courrier"));
        await _app.Admin.PostOkAsync($"/api/mailings/{mailing.Id()}/send", new { }, 202);
        Assert.Equal(HttpStatusCode.Conflict, (await _app.Admin.PostAsync($"/api/mailings/{mailing.Id()}/send", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await UploadRawAsync(mailing.Id(), "tard.pdf", Scenario.Pdf("tard"))).StatusCode);
        Assert.Single((await _app.Admin.GetOkAsync($"/api/mailings/{mailing.Id()}")).GetProperty("documents").EnumerateArray());
    }

    private async Task<JsonElement> CreateSentMailingAsync(Scenario s, string title)
    {
        var mailing = await _app.Admin.PostOkAsync($"/api/authorities/{s.AuthorityId}/mailings", new { title, memberIds = s.MemberIds });
        await UploadAsync(mailing.Id(), "note.pdf", Scenario.Pdf(title));
        await _app.Admin.PostOkAsync($"/api/mailings/{mailing.Id()}/send", new { }, 202);
        return mailing;
    }

    private async Task<JsonElement> UploadAsync(Guid mailingId, string name, byte[] content)
    {
        var response = await UploadRawAsync(mailingId, name, content);
        var json = await response.ReadJsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, json.ToString());
        return json;
    }

    private async Task<HttpResponseMessage> UploadRawAsync(Guid mailingId, string name, byte[] content)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(content), "file", name } };
        return await _app.Admin.PostAsync($"/api/mailings/{mailingId}/documents", form);
    }

    private static string TokenIn(IEnumerable<MimeKit.MimeMessage> messages) => TokenIn(messages.First());

    private static string TokenIn(MimeKit.MimeMessage message) =>
        (message.TextBody ?? "").Split(' ', '\n', '\r').First(w => w.StartsWith(LinkPrefix, StringComparison.Ordinal))[LinkPrefix.Length..].Trim();
}

public sealed class MailingApiSqliteTests : MailingApiTests
{
    protected override TestDatabase Database => TestDatabase.Sqlite;
}

public sealed class MailingApiPostgresTests : MailingApiTests
{
    protected override TestDatabase Database => TestDatabase.Postgres;
}
