using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport.Ged;
using Xunit;

namespace IntegrationHub.Tests.Documents.Sources;

/// <summary>
/// A "document management" schema on the test PostgreSQL server (and in a SQLite file), configured as a connector
/// through the hub's API, searched and attached to a session through the hub's API.
/// </summary>
[Collection(HubHostsGroup.Name)]
public sealed class DocumentSourceApiTests : IAsyncLifetime
{
    private readonly PostgresGed _postgres = new();
    private readonly SqliteGed _sqlite = new();
    private HubApp _app = null!;

    public async Task InitializeAsync()
    {
        await _postgres.InitializeAsync();
        await _sqlite.InitializeAsync();
        _app = await HubApp.StartAsync(TestDatabase.Sqlite);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _sqlite.DisposeAsync();
        await _postgres.DisposeAsync();
    }

    [Fact]
    public async Task AttachFromSource_PostgresGed_CopiesTheBytesWithTheirSourceReference()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 1, synthesisNote: false);
        var pdf = Scenario.Pdf("Rapport d'orientation budgétaire 2027");
        var document = new GedDocument(Guid.NewGuid(), "Rapport d'orientation budgétaire 2027.pdf", "application/pdf", DateTimeOffset.UnixEpoch, pdf);
        await _postgres.InsertAsync(document);
        await ConfigureAsync(_app.Admin, s.AuthorityId, "ged", "postgresql", PostgresGed.SearchQuery, PostgresGed.ReadQuery, PostgresGed.DescribeQuery,
            _postgres.ReaderConnectionString);

        var sources = await _app.Admin.GetOkAsync($"/api/authorities/{s.AuthorityId}/document-sources");
        var source = Assert.Single(sources.EnumerateArray());
        Assert.Equal("ged", source.GetProperty("name").GetString());
        Assert.Equal("sql-documents", source.GetProperty("type").GetString());
        Assert.Equal("Gestion documentaire (base SQL)", source.GetProperty("displayName").GetString());

        var found = await _app.Admin.GetOkAsync($"/api/authorities/{s.AuthorityId}/document-sources/ged/documents?q=orientation");
        var hit = Assert.Single(found.EnumerateArray());
        Assert.Equal(document.IdText, hit.GetProperty("id").GetString());
        Assert.Equal(document.Title, hit.GetProperty("name").GetString());
        Assert.Equal(pdf.Length, hit.GetProperty("size").GetInt64());

        var itemId = (await _app.Admin.GetOkAsync($"/api/sessions/{s.SessionId}")).GetProperty("items")[0].Id();
        var attached = await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/documents/from-source",
            new { source = "ged", documentId = document.IdText, itemId, kind = "annex" });

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(pdf)), attached.GetProperty("sha256").GetString());
        Assert.Equal(pdf.Length, attached.GetProperty("size").GetInt64());
        Assert.Equal(document.Title, attached.GetProperty("name").GetString());
        Assert.Equal("annex", attached.GetProperty("kind").GetString());
        Assert.Equal(itemId, attached.GetProperty("itemId").GetGuid());
        Assert.Equal($"ged:{document.IdText}", attached.GetProperty("sourceReference").GetString());
        Assert.Equal(pdf, await _app.Admin.GetByteArrayAsync($"/api/documents/{attached.Id()}/content"));
        var listed = Assert.Single((await _app.Admin.GetOkAsync($"/api/sessions/{s.SessionId}/documents")).EnumerateArray());
        Assert.Equal($"ged:{document.IdText}", listed.GetProperty("sourceReference").GetString());
    }

    [Fact]
    public async Task AttachFromSource_SqliteGed_ReplacesADocumentAndKeepsTheReference()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 1, synthesisNote: false);
        var uploaded = await s.UploadAsync(_app.Admin, "brouillon.pdf", Scenario.Pdf("brouillon"));
        var pdf = Scenario.Pdf("Convention avec l'école de musique");
        var document = new GedDocument(Guid.NewGuid(), "Convention école de musique.pdf", "application/pdf", DateTimeOffset.UnixEpoch, pdf);
        await _sqlite.InsertAsync(document);
        await ConfigureAsync(_app.Admin, s.AuthorityId, "archives", "sqlite", SqliteGed.SearchQuery, SqliteGed.ReadQuery, SqliteGed.DescribeQuery,
            _sqlite.ConnectionString);

        var attached = await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/documents/from-source",
            new { source = "archives", documentId = document.IdText, replaces = uploaded.Id() });

        Assert.Equal(2, attached.GetProperty("version").GetInt32());
        Assert.Equal($"archives:{document.IdText}", attached.GetProperty("sourceReference").GetString());
        Assert.Equal(pdf, await _app.Admin.GetByteArrayAsync($"/api/documents/{attached.Id()}/content"));
        Assert.Equal(JsonValueKind.Null, (await _app.Admin.GetOkAsync($"/api/documents/{uploaded.Id()}/history"))[0].GetProperty("sourceReference").ValueKind);
    }

    [Fact]
    public async Task DocumentSources_AreScopedToTheAuthorityOfTheKey()
    {
        var a = await Scenario.CreateAsync(_app.Admin, members: 1, synthesisNote: false);
        var b = await Scenario.CreateAsync(_app.Admin, members: 1, synthesisNote: false);
        await ConfigureAsync(_app.Admin, b.AuthorityId, "ged", "sqlite", SqliteGed.SearchQuery, SqliteGed.ReadQuery, SqliteGed.DescribeQuery, _sqlite.ConnectionString);
        var aKey = (await _app.Admin.PostOkAsync("/api/api-keys", new { name = "Secrétariat A", role = "secretariat", authorityId = a.AuthorityId })).GetProperty("key").GetString();
        var auditorKey = (await _app.Admin.PostOkAsync("/api/api-keys", new { name = "Contrôle A", role = "auditor", authorityId = a.AuthorityId })).GetProperty("key").GetString();
        using var secretariatA = _app.CreateClient(aKey);
        using var auditorA = _app.CreateClient(auditorKey);

        Assert.Empty((await secretariatA.GetOkAsync($"/api/authorities/{a.AuthorityId}/document-sources")).EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await secretariatA.GetAsync($"/api/authorities/{b.AuthorityId}/document-sources")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await secretariatA.GetAsync($"/api/authorities/{b.AuthorityId}/document-sources/ged/documents?q=budget")).StatusCode);
        // B's source is not A's: a session of A cannot name it.
        var other = await secretariatA.PostAsJsonAsync($"/api/sessions/{a.SessionId}/documents/from-source", new { source = "ged", documentId = GedData.Budget.IdText });
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Contains("ged", (await other.ReadJsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await auditorA.GetAsync($"/api/authorities/{a.AuthorityId}/document-sources")).StatusCode);
    }

    [Fact]
    public async Task AttachFromSource_Refusals_AreClearFrenchProblems()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 1, synthesisNote: false);
        await ConfigureAsync(_app.Admin, s.AuthorityId, "ged", "postgresql", PostgresGed.SearchQuery, PostgresGed.ReadQuery, PostgresGed.DescribeQuery,
            _postgres.ReaderConnectionString);
        await ConfigureAsync(_app.Admin, s.AuthorityId, "ged-eteinte", "postgresql", PostgresGed.SearchQuery, PostgresGed.ReadQuery, PostgresGed.DescribeQuery,
            PostgresGed.ClosedPortConnectionString());
        var url = $"/api/sessions/{s.SessionId}/documents/from-source";

        Assert.Equal(HttpStatusCode.NotFound, (await _app.Admin.PostAsJsonAsync(url, new { source = "inconnue", documentId = GedData.Budget.IdText })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _app.Admin.GetAsync($"/api/authorities/{s.AuthorityId}/document-sources/inconnue/documents?q=x")).StatusCode);

        var empty = await _app.Admin.GetAsync($"/api/authorities/{s.AuthorityId}/document-sources/ged/documents?q=%20");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, empty.StatusCode);
        Assert.Contains("\u00A0q\u00A0", (await empty.ReadJsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        var missing = await _app.Admin.PostAsJsonAsync(url, new { source = "ged", documentId = Guid.NewGuid().ToString() });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, missing.StatusCode);
        Assert.Contains("introuvable", (await missing.ReadJsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        // The GED's « Délibération budget primitif 2027.pdf » is not a PDF: refused as an upload would be.
        var notPdf = await _app.Admin.PostAsJsonAsync(url, new { source = "ged", documentId = GedData.Budget.IdText });
        Assert.Equal(HttpStatusCode.BadRequest, notPdf.StatusCode);
        Assert.Contains("PDF", (await notPdf.ReadJsonAsync()).GetProperty("errors").GetProperty("documentId")[0].GetString(), StringComparison.Ordinal);

        var down = await _app.Admin.PostAsJsonAsync(url, new { source = "ged-eteinte", documentId = GedData.Budget.IdText });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Contains("ne répond pas", (await down.ReadJsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable,
            (await _app.Admin.GetAsync($"/api/authorities/{s.AuthorityId}/document-sources/ged-eteinte/documents?q=budget")).StatusCode);

        Assert.Empty((await _app.Admin.GetOkAsync($"/api/sessions/{s.SessionId}/documents")).EnumerateArray());
    }

    internal static async Task ConfigureAsync(
        HttpClient client, Guid authorityId, string name, string provider, string searchQuery, string readQuery, string describeQuery, string connectionString)
    {
        var put = await client.PutAsJsonAsync($"/api/authorities/{authorityId}/connectors/{name}", new
        {
            type = "sql-documents",
            enabled = true,
            settings = new { provider, searchQuery, readQuery, describeQuery },
            secrets = new { connectionString },
        });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
    }
}
