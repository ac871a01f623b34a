using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport;
using Xunit;

namespace IntegrationHub.Tests.Documents;

[Collection(HubHostsGroup.Name)]
public sealed class DocumentApiTests : IAsyncLifetime
{
    private HubApp _app = null!;

    public async Task InitializeAsync() => _app = await HubApp.StartAsync(TestDatabase.Sqlite);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Send_SynthesisNoteRequiredAndMissing_IsRefused()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 1, synthesisNote: false);
        var response = await _app.Admin.PostAsync($"/api/sessions/{s.SessionId}/send", null);
        var problem = await response.ReadJsonAsync();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.EndsWith("/synthesis-note-missing", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Contains("L2121-12", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // A commune under 3,500 needs no note.
        var small = await Scenario.CreateAsync(_app.Admin, members: 1, population: 1200, synthesisNote: false);
        Assert.Equal(HttpStatusCode.Accepted, (await _app.Admin.PostAsync($"/api/sessions/{small.SessionId}/send", null)).StatusCode);
    }

    [Fact]
    public async Task Upload_ThenDownload_StreamsWithETagAndRanges()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 1, synthesisNote: false);
        var bytes = Scenario.Pdf(new string('x', 5000));
        var item = s.Session.GetProperty("items")[1];
        var uploaded = await s.UploadAsync(_app.Admin, "Projet de délibération n°2.pdf", bytes, kind: "draftDeliberation", itemId: await ItemIdAsync(s, 1));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), uploaded.GetProperty("sha256").GetString());
        Assert.Equal(bytes.Length, uploaded.GetProperty("size").GetInt64());
        Assert.Equal("Projet de délibération n°2.pdf", uploaded.GetProperty("name").GetString());
        Assert.NotEqual(default, item);

        var url = $"/api/documents/{uploaded.Id()}/content";
        var full = await _app.Admin.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, full.StatusCode);
        Assert.Equal(bytes, await full.Content.ReadAsByteArrayAsync());
        var etag = full.Headers.ETag!;
        Assert.Equal($"\"{uploaded.GetProperty("sha256").GetString()}\"", etag.Tag);

        using var ranged = new HttpRequestMessage(HttpMethod.Get, url);
        ranged.Headers.Range = new RangeHeaderValue(10, 19);
        var part = await _app.Admin.SendAsync(ranged);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal(bytes[10..20], await part.Content.ReadAsByteArrayAsync());

        using var conditional = new HttpRequestMessage(HttpMethod.Get, url);
        conditional.Headers.IfNoneMatch.Add(etag);
        Assert.Equal(HttpStatusCode.NotModified, (await _app.Admin.SendAsync(conditional)).StatusCode);
    }

    [Theory]
    [InlineData("lettre.pdf", "PK\u0003\u0004zip-pretending-to-be-pdf", "PDF")]
    [InlineData("script.exe", "MZ\u0090\u0000", "accepté")]
    [InlineData("../../etc/passwd.pdf", null, null)]
    public async Task Upload_RefusedFiles_GetAClearFrenchError(string name, string? content, string? expected)
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 1, synthesisNote: false);
        var bytes = content is null ? Scenario.Pdf("ok") : System.Text.Encoding.Latin1.GetBytes(content);
        var response = await UploadRawAsync(s, name, bytes);
        if (expected is null)
        {
            // A path is reduced to its file name: nothing escapes the store, the name shown is safe.
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            Assert.Equal("passwd.pdf", (await response.ReadJsonAsync()).GetProperty("name").GetString());
            return;
        }
        var problem = await response.ReadJsonAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, problem.GetProperty("errors").GetProperty("file")[0].GetString(), StringComparison.Ordinal);
        Assert.Empty((await _app.Admin.GetOkAsync($"/api/sessions/{s.SessionId}/documents")).EnumerateArray());
    }

    [Fact]
    public async Task Replace_AfterSending_KeepsHistoryAndTellsMembers()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 1);
        var note = (await _app.Admin.GetOkAsync($"/api/sessions/{s.SessionId}/documents")).EnumerateArray().Single();
        await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);
        var replacement = await s.UploadAsync(_app.Admin, "note-de-synthese-v2.pdf", Scenario.Pdf("Note corrigée"), replaces: note.Id());
        Assert.Equal(2, replacement.GetProperty("version").GetInt32());
        var current = await _app.Admin.GetOkAsync($"/api/sessions/{s.SessionId}/documents");
        Assert.Equal(replacement.Id(), current.EnumerateArray().Single().Id());
        Assert.Equal(2, (await _app.Admin.GetOkAsync($"/api/documents/{note.Id()}/history")).GetArrayLength());

        await Eventually.WaitAsync(
            () => Task.FromResult(_app.Outbox().Count(m => m.To.Mailboxes.Any(a => a.Address == s.MemberEmails[0]))),
            count => count == 2, TimeSpan.FromSeconds(30), "the convocation and the update");
        var update = _app.Outbox()
            .Single(m => m.To.Mailboxes.Any(a => a.Address == s.MemberEmails[0]) && (m.Subject ?? "").StartsWith("Modification", StringComparison.Ordinal));
        Assert.Contains("note-de-synthese-v2.pdf", update.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MemberLink_OpensOnlyItsOwnSessionsDocuments_AndReadsAreRecorded()
    {
        var a = await Scenario.CreateAsync(_app.Admin, members: 1);
        var b = await Scenario.CreateAsync(_app.Admin, members: 1);
        await _app.Admin.PostOkAsync($"/api/sessions/{a.SessionId}/send", new { }, 202);
        var emails = await Eventually.WaitAsync(
            () => Task.FromResult(_app.Outbox().Where(m => m.To.Mailboxes.Any(x => x.Address == a.MemberEmails[0])).ToList()),
            list => list.Count == 1, TimeSpan.FromSeconds(30), "member A's convocation");
        var token = (emails[0].TextBody ?? "").Split(' ', '\n').First(w => w.StartsWith("http://hub.test/convocations/", StringComparison.Ordinal) && !w.Contains('#', StringComparison.Ordinal)).Trim()["http://hub.test/convocations/".Length..];
        var docA = (await _app.Admin.GetOkAsync($"/api/sessions/{a.SessionId}/documents")).EnumerateArray().Single().Id();
        var docB = (await _app.Admin.GetOkAsync($"/api/sessions/{b.SessionId}/documents")).EnumerateArray().Single().Id();
        using var member = _app.CreateClient(null);

        var page = await (await member.GetAsync($"/convocations/{token}")).Content.ReadAsStringAsync();
        Assert.Contains($"/api/documents/{docA}/content?t=", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await member.GetAsync($"/api/documents/{docA}/content?t={token}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await member.GetAsync($"/api/documents/{docA}/content?t={token}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await member.GetAsync($"/api/documents/{docB}/content?t={token}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await member.GetAsync($"/api/documents/{docA}/content")).StatusCode);
        await member.GetAsync($"/convocations/{token}");

        var access = await _app.Admin.GetOkAsync($"/api/sessions/{a.SessionId}/documents/access");
        Assert.Single(access.EnumerateArray(), x => x.GetProperty("access").GetString() == "open");
        Assert.Equal(2, access.EnumerateArray().Count(x => x.GetProperty("access").GetString() == "download"));
        Assert.Empty((await _app.Admin.GetOkAsync($"/api/sessions/{b.SessionId}/documents/access")).EnumerateArray());
    }

    [Fact]
    public async Task Dossier_IsBuiltInTheBackgroundWithTableOfContentsAndDocumentsInOrder()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 1);
        var annex = Scenario.Pdf("Annexe budgétaire");
        await s.UploadAsync(_app.Admin, "annexe budgétaire.pdf", annex, kind: "annex", itemId: await ItemIdAsync(s, 0));
        var first = await _app.Admin.GetAsync($"/api/sessions/{s.SessionId}/dossier");
        Assert.True(first.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK);

        var zip = await Eventually.WaitAsync(() => _app.Admin.GetAsync($"/api/sessions/{s.SessionId}/dossier"), r => r.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "the dossier");
        Assert.Equal("application/zip", zip.Content.Headers.ContentType!.MediaType);
        using var archive = new System.IO.Compression.ZipArchive(await zip.Content.ReadAsStreamAsync());
        // In reading order: contents, the convocation the members received, the agenda, then the documents.
        Assert.Equal(
            ["00-sommaire.html", "01-convocation.html", "02-ordre-du-jour.txt", "03-note-de-synthese.pdf", "04-annexe budgétaire.pdf"],
            archive.Entries.Select(e => e.FullName));
        var toc = await ReadEntryAsync(archive, "00-sommaire.html");
        Assert.Contains("Budget primitif 2026", toc, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(annex)), toc, StringComparison.Ordinal);
        Assert.True(toc.IndexOf("01-convocation.html", StringComparison.Ordinal) < toc.IndexOf("02-ordre-du-jour.txt", StringComparison.Ordinal));
        Assert.True(toc.IndexOf("02-ordre-du-jour.txt", StringComparison.Ordinal) < toc.IndexOf("03-note-de-synthese.pdf", StringComparison.Ordinal));
        var convocation = await ReadEntryAsync(archive, "01-convocation.html");
        Assert.Contains("honneur de vous convoquer", convocation, StringComparison.Ordinal);
        Assert.Contains("Salle du conseil, hôtel de ville", convocation, StringComparison.Ordinal);
        Assert.Contains("L2121-10", convocation, StringComparison.Ordinal);
        Assert.DoesNotContain("/convocations/", convocation, StringComparison.Ordinal);
        var agenda = await ReadEntryAsync(archive, "02-ordre-du-jour.txt");
        Assert.Contains("1. Budget primitif 2026 (rapporteur\u00A0: M. le Maire)", agenda, StringComparison.Ordinal);
        Assert.Contains("2. Subvention à l'école de musique", agenda, StringComparison.Ordinal);
        await using var annexEntry = archive.GetEntry("04-annexe budgétaire.pdf")!.Open();
        using var copy = new MemoryStream();
        await annexEntry.CopyToAsync(copy);
        Assert.Equal(annex, copy.ToArray());

        // A new document makes a new dossier.
        await s.UploadAsync(_app.Admin, "autre.pdf", Scenario.Pdf("autre"));
        Assert.Equal(HttpStatusCode.Accepted, (await _app.Admin.GetAsync($"/api/sessions/{s.SessionId}/dossier")).StatusCode);
    }

    private static async Task<string> ReadEntryAsync(System.IO.Compression.ZipArchive archive, string name)
    {
        using var reader = new StreamReader(archive.GetEntry(name)!.Open());
        return await reader.ReadToEndAsync();
    }

    private async Task<Guid> ItemIdAsync(Scenario s, int index)
    {
        var session = await _app.Admin.GetOkAsync($"/api/sessions/{s.SessionId}");
        return session.GetProperty("items")[index].GetProperty("id").GetGuid();
    }

    private async Task<HttpResponseMessage> UploadRawAsync(Scenario s, string name, byte[] bytes)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        form.Add(file, "file", name);
        return await _app.Admin.PostAsync($"/api/sessions/{s.SessionId}/documents", form);
    }
}
