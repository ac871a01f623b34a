using IntegrationHub.Plugins.Connectors;
using IntegrationHub.Plugins.Documents;

namespace IntegrationHub.Connectors.SqlDocuments.Tests;

public sealed class SqlDocumentSourcePostgresTests : IClassFixture<PostgresGed>
{
    private const string ReadQueryPath = "connectors:ged:settings:readQuery";
    private const string SearchQueryPath = "connectors:ged:settings:searchQuery";

    private readonly PostgresGed _ged;
    private readonly SqlDocumentsConnectorType _type = new();

    public SqlDocumentSourcePostgresTests(PostgresGed ged) => _ged = ged;

    private IDocumentSource Source(
        string? searchQuery = null, string? readQuery = null, string? connectionString = null, IReadOnlyDictionary<string, string>? overrides = null) =>
        _type.CreateSource(_ged.Settings(searchQuery, readQuery, connectionString, overrides));

    [Fact]
    public async Task SearchAsync_MatchingText_MapsTheAliasedColumnsNewestFirst()
    {
        var found = await Source().SearchAsync("  budget ", CancellationToken.None);

        Assert.Equal([GedData.Budget.IdText, GedData.Annexe.IdText], found.Select(d => d.Id));
        var budget = found[0];
        Assert.Equal(GedData.Budget.Title, budget.Name);
        Assert.Equal("application/pdf", budget.MediaType);
        Assert.Equal(GedData.Budget.Content!.LongLength, budget.Size);
        Assert.Equal(GedData.Budget.ModifiedAt, budget.ModifiedAt);
        Assert.Equal(TimeSpan.Zero, budget.ModifiedAt!.Value.Offset);
    }

    [Fact]
    public async Task SearchAsync_EmptyText_ReturnsEveryDocumentUpToMaxResults()
    {
        var all = await Source().SearchAsync("", CancellationToken.None);
        var two = await Source(overrides: new Dictionary<string, string> { ["maxResults"] = "2" }).SearchAsync("", CancellationToken.None);

        Assert.Equal(4, all.Count);
        Assert.Equal(2, two.Count);
    }

    [Fact]
    public async Task SearchAsync_QueryWithoutLimit_KeepsAtMostMaxResults()
    {
        var source = Source(
            searchQuery: "SELECT doc_id AS id, titre AS name, mime AS media_type, taille AS size, maj AS modified_at FROM ged_documents WHERE titre ILIKE '%' || @query || '%'",
            overrides: new Dictionary<string, string> { ["maxResults"] = "1" });

        Assert.Single(await source.SearchAsync("", CancellationToken.None));
    }

    [Fact]
    public async Task DescribeAsync_KnownId_ReturnsItsRow()
    {
        var source = Source(overrides: new Dictionary<string, string> { ["describeQuery"] = PostgresGed.DescribeQuery });

        var described = await source.DescribeAsync(GedData.Annexe.IdText, CancellationToken.None);

        Assert.Equal(GedData.Annexe.Title, described.Name);
        Assert.Equal(GedData.Annexe.Mime, described.MediaType);
        Assert.Equal(GedData.Annexe.Content!.LongLength, described.Size);
    }

    [Fact]
    public async Task DescribeAsync_UnknownOrMalformedId_IsNotFound()
    {
        var source = Source(overrides: new Dictionary<string, string> { ["describeQuery"] = PostgresGed.DescribeQuery });

        await Assert.ThrowsAsync<FileNotFoundException>(() => source.DescribeAsync(Guid.NewGuid().ToString(), CancellationToken.None));
        await Assert.ThrowsAsync<FileNotFoundException>(() => source.DescribeAsync("pas-un-uuid", CancellationToken.None));
    }

    [Fact]
    public async Task DescribeAsync_WithoutDescribeQuery_NamesTheMissingSetting()
    {
        var e = await Assert.ThrowsAsync<DocumentSourceQueryException>(() => Source().DescribeAsync(GedData.Budget.IdText, CancellationToken.None));

        Assert.Equal("connectors:ged:settings:describeQuery", e.Path);
        Assert.Contains("describeQuery", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SearchAsync_NoMatch_ReturnsNothing()
    {
        Assert.Empty(await Source().SearchAsync("arrêté de voirie", CancellationToken.None));
    }

    [Fact]
    public async Task SearchAsync_NullColumns_AreNullOrDefaulted()
    {
        var source = Source(searchQuery: "SELECT doc_id AS id, NULL AS name, NULL AS media_type, NULL AS size, NULL AS modified_at FROM ged_documents WHERE doc_id::text = @query");

        var document = Assert.Single(await source.SearchAsync(GedData.Budget.IdText, CancellationToken.None));

        Assert.Equal(GedData.Budget.IdText, document.Name);
        Assert.Equal("application/octet-stream", document.MediaType);
        Assert.Null(document.Size);
        Assert.Null(document.ModifiedAt);
    }

    [Fact]
    public async Task SearchAsync_QueryMissingAColumn_ThrowsQueryExceptionNamingSearchQuery()
    {
        var source = Source(searchQuery: "SELECT doc_id AS id, titre AS name, mime AS media_type, taille AS size, maj FROM ged_documents WHERE titre ILIKE @query");

        var error = await Assert.ThrowsAsync<DocumentSourceQueryException>(() => source.SearchAsync("", CancellationToken.None));

        Assert.Equal(SearchQueryPath, error.Path);
        Assert.Contains(SearchQueryPath, error.Message, StringComparison.Ordinal);
        Assert.Contains("il manque : modified_at", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SearchAsync_UnknownTable_ThrowsQueryExceptionNamingSearchQuery()
    {
        var source = Source(searchQuery: "SELECT doc_id AS id, titre AS name, mime AS media_type, taille AS size, maj AS modified_at FROM ged_document WHERE titre ILIKE @query");

        var error = await Assert.ThrowsAsync<DocumentSourceQueryException>(() => source.SearchAsync("", CancellationToken.None));

        Assert.Equal(SearchQueryPath, error.Path);
        Assert.Contains("42P01", error.Message, StringComparison.Ordinal);
        Assert.Contains(SearchQueryPath, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_ExistingDocument_StreamsItsBytes()
    {
        await using var stream = await Source().OpenAsync(GedData.Budget.IdText, CancellationToken.None);

        Assert.True(stream.CanRead);
        Assert.False(stream.CanSeek);
        Assert.Equal(GedData.Budget.Content, await StreamReading.ReadAllAsync(stream));
    }

    [Fact]
    public async Task OpenAsync_UnknownId_ThrowsFileNotFoundInFrench()
    {
        var id = Guid.NewGuid().ToString("D");

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => Source().OpenAsync(id, CancellationToken.None));

        Assert.Equal(id, error.FileName);
        Assert.Equal($"Document « {id} » introuvable dans la gestion documentaire « ged ».", error.Message);
    }

    [Fact]
    public async Task OpenAsync_IdThatIsNotAUuid_ThrowsFileNotFound()
    {
        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => Source().OpenAsync("DELIB-2026-042", CancellationToken.None));

        Assert.Equal("DELIB-2026-042", error.FileName);
        Assert.Contains("introuvable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_NullContent_ThrowsFileNotFound()
    {
        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => Source().OpenAsync(GedData.WithoutContent.IdText, CancellationToken.None));

        Assert.Contains("n'a pas de contenu", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SELECT contenue AS content FROM ged_documents WHERE doc_id = CAST(@id AS uuid)", "42703")]
    [InlineData("SELECT contenu AS content, titre FROM ged_documents WHERE doc_id = CAST(@id AS uuid)", "une seule colonne")]
    [InlineData("SELECT contenu FROM ged_documents WHERE doc_id = CAST(@id AS uuid)", "nommée content")]
    [InlineData("SELECT titre AS content FROM ged_documents WHERE doc_id = CAST(@id AS uuid)", "valeur binaire")]
    public async Task OpenAsync_WrongReadQuery_ThrowsQueryExceptionNamingReadQuery(string readQuery, string expected)
    {
        var error = await Assert.ThrowsAsync<DocumentSourceQueryException>(
            () => Source(readQuery: readQuery).OpenAsync(GedData.Budget.IdText, CancellationToken.None));

        Assert.Equal(ReadQueryPath, error.Path);
        Assert.Contains(ReadQueryPath, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_MissingGrant_ThrowsQueryException()
    {
        // The read-only login may read ged_documents, not the server's password hashes.
        var error = await Assert.ThrowsAsync<DocumentSourceQueryException>(
            () => Source(readQuery: "SELECT convert_to(rolpassword, 'UTF8') AS content FROM pg_authid WHERE rolname = @id").OpenAsync("postgres", CancellationToken.None));

        Assert.Contains("42501", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_StreamsDisposed_GiveTheirConnectionBack()
    {
        // One pooled connection at most: a stream that kept its connection would make the next open wait, then fail.
        var source = Source(connectionString: _ged.ReaderConnectionStringWith(b =>
        {
            b.MaxPoolSize = 1;
            b.Timeout = 5;
        }));

        for (var i = 0; i < 3; i++)
        {
            await using var stream = await source.OpenAsync(GedData.Budget.IdText, CancellationToken.None);
            var buffer = new byte[100];
            Assert.Equal(100, await stream.ReadAtLeastAsync(buffer, 100));
        }

        await using var last = await source.OpenAsync(GedData.Annexe.IdText, CancellationToken.None);
        Assert.Equal(GedData.Annexe.Content, await StreamReading.ReadAllAsync(last));
    }

    [Fact]
    public async Task OpenAsync_FailedOpen_GivesItsConnectionBack()
    {
        var source = Source(connectionString: _ged.ReaderConnectionStringWith(b =>
        {
            b.MaxPoolSize = 1;
            b.Timeout = 5;
        }));

        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<FileNotFoundException>(() => source.OpenAsync(Guid.NewGuid().ToString(), CancellationToken.None));
        }

        Assert.NotEmpty(await source.SearchAsync("", CancellationToken.None));
    }

    [Fact]
    public async Task SearchAsync_Cancelled_ThrowsOperationCanceled()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Source().SearchAsync("budget", cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Source().OpenAsync(GedData.Budget.IdText, cancelled.Token));
    }

    [Fact]
    public async Task SearchAsync_QueryOutlastsCommandTimeout_ThrowsUnavailable()
    {
        var source = Source(
            searchQuery: "SELECT doc_id AS id, titre AS name, mime AS media_type, taille AS size, maj AS modified_at FROM ged_documents WHERE EXISTS (SELECT 1 FROM pg_sleep(10)) AND titre = @query",
            overrides: new Dictionary<string, string> { ["commandTimeout"] = "1" });

        await Assert.ThrowsAsync<DocumentSourceUnavailableException>(() => source.SearchAsync("x", CancellationToken.None));
    }

    [Fact]
    public async Task SearchAsync_ServerNotListening_ThrowsUnavailableWithoutThePassword()
    {
        var source = Source(connectionString: PostgresGed.ClosedPortConnectionString());

        var error = await Assert.ThrowsAsync<DocumentSourceUnavailableException>(() => source.SearchAsync("budget", CancellationToken.None));

        Assert.Contains("« ged » (PostgreSQL) ne répond pas", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Mot-de-passe-introuvable-42", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_WrongPassword_ThrowsConfigurationErrorNamingTheSecretWithoutIt()
    {
        const string WrongPassword = "Pas-le-bon-mot-de-passe-2026";
        var source = Source(connectionString: _ged.ReaderConnectionStringWith(b => b.Password = WrongPassword));

        var error = await Assert.ThrowsAsync<ConnectorConfigurationException>(() => source.OpenAsync(GedData.Budget.IdText, CancellationToken.None));

        Assert.Equal("connectors:ged:secrets:connectionString", error.Path);
        Assert.Contains("28P01", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(WrongPassword, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(_ged.ReaderPassword, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_NamesTheInstanceNeverTheConnectionString()
    {
        var text = Source().ToString();

        Assert.Contains("« ged » (postgresql)", text, StringComparison.Ordinal);
        Assert.DoesNotContain(_ged.ReaderPassword, text, StringComparison.Ordinal);
        Assert.DoesNotContain("Host=", text, StringComparison.OrdinalIgnoreCase);
    }
}
