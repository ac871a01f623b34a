using IntegrationHub.Plugins.Documents;

namespace IntegrationHub.Connectors.SqlDocuments.Tests;

public sealed class SqlDocumentSourceSqliteTests : IClassFixture<SqliteGed>
{
    private const string ReadQueryPath = "connectors:ged:settings:readQuery";

    private readonly SqliteGed _ged;
    private readonly SqlDocumentsConnectorType _type = new();

    public SqlDocumentSourceSqliteTests(SqliteGed ged) => _ged = ged;

    private IDocumentSource Source(string? searchQuery = null, string? readQuery = null, string? connectionString = null) =>
        _type.CreateSource(_ged.Settings(searchQuery, readQuery, connectionString));

    [Fact]
    public async Task SearchAsync_MatchingText_MapsTextIdsAndIsoDates()
    {
        var found = await Source().SearchAsync("budget", CancellationToken.None);

        Assert.Equal([GedData.Budget.IdText, GedData.Annexe.IdText], found.Select(d => d.Id));
        Assert.Equal(
            new SourceDocument(GedData.Annexe.IdText, GedData.Annexe.Title, GedData.Annexe.Mime, GedData.Annexe.Content!.LongLength, GedData.Annexe.ModifiedAt),
            found[1]);
    }

    [Fact]
    public async Task OpenAsync_ExistingDocument_StreamsItsBytes()
    {
        await using var stream = await Source().OpenAsync(GedData.Annexe.IdText, CancellationToken.None);

        Assert.Equal(GedData.Annexe.Content, await StreamReading.ReadAllAsync(stream));
    }

    [Fact]
    public async Task OpenAsync_UnknownId_ThrowsFileNotFoundInFrench()
    {
        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => Source().OpenAsync("inconnu", CancellationToken.None));

        Assert.Equal("Document « inconnu » introuvable dans la gestion documentaire « ged ».", error.Message);
    }

    [Theory]
    [InlineData("SELECT contenu AS content FROM ged_documents WHERE doc_id = @id", "deux colonnes")]
    [InlineData("SELECT contenu AS content, titre FROM ged_documents WHERE doc_id = @id", "charge le document entier")]
    [InlineData("SELECT contenu AS content, rowid FROM ged_document WHERE doc_id = @id", "no such table")]
    [InlineData("SELECT titre AS content, rowid FROM ged_documents WHERE doc_id = @id", "valeur binaire")]
    public async Task OpenAsync_WrongReadQuery_ThrowsQueryExceptionNamingReadQuery(string readQuery, string expected)
    {
        var error = await Assert.ThrowsAsync<DocumentSourceQueryException>(
            () => Source(readQuery: readQuery).OpenAsync(GedData.Budget.IdText, CancellationToken.None));

        Assert.Equal(ReadQueryPath, error.Path);
        Assert.Contains(ReadQueryPath, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SearchAsync_MissingDatabaseFile_ThrowsUnavailableAndCreatesNoFile()
    {
        // Even when the connection string asks for it, the connector opens SQLite read-only: a typo creates nothing.
        var missing = Path.Combine(Path.GetDirectoryName(_ged.DatabasePath)!, "absente.db");

        await Assert.ThrowsAsync<DocumentSourceUnavailableException>(
            () => Source(connectionString: $"Data Source={missing};Mode=ReadWriteCreate").SearchAsync("", CancellationToken.None));

        Assert.False(File.Exists(missing));
    }
}
