using Dapper;
using IntegrationHub.Plugins.Connectors;
using IntegrationHub.Plugins.Documents;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace IntegrationHub.Connectors.SqlDocuments.Tests;

/// <summary>
/// The same scenarios against a real SQL Server, run only when <c>HUB_TEST_SQLSERVER</c> holds a connection string
/// whose login may create a table in <c>dbo</c> (the tests create their own and drop it). Skipped otherwise.
/// </summary>
[Collection(StreamingTestsRunAlone.Name)]
public sealed class SqlServerDocumentSourceTests : IAsyncLifetime
{
    private readonly SqlDocumentsConnectorType _type = new();
    private readonly ITestOutputHelper _output;
    private string _connectionString = "";
    private string _table = "";

    public SqlServerDocumentSourceTests(ITestOutputHelper output) => _output = output;

    public async Task InitializeAsync()
    {
        _connectionString = Environment.GetEnvironmentVariable(SqlServerFactAttribute.Variable) ?? "";
        if (string.IsNullOrWhiteSpace(_connectionString))
        {
            return;
        }

        // [a-f0-9] only: a table name cannot be a bind parameter.
        _table = "ged_documents_" + Guid.NewGuid().ToString("N")[..12];
        await using var connection = new SqlConnection(_connectionString);
        await connection.ExecuteAsync($"""
            CREATE TABLE dbo.{_table} (
                doc_id uniqueidentifier NOT NULL PRIMARY KEY,
                titre nvarchar(400) NOT NULL,
                mime nvarchar(200) NULL,
                taille bigint NULL,
                maj datetimeoffset NULL,
                contenu varbinary(max) NULL
            )
            """);
        foreach (var document in GedData.Documents)
        {
            await InsertAsync(document);
        }
    }

    public async Task DisposeAsync()
    {
        if (_table.Length > 0)
        {
            await using var connection = new SqlConnection(_connectionString);
            await connection.ExecuteAsync($"DROP TABLE IF EXISTS dbo.{_table}");
        }
    }

    private string SearchQuery => $"""
        SELECT TOP (@maxResults) doc_id AS id, titre AS name, mime AS media_type, taille AS size, maj AS modified_at
        FROM dbo.{_table}
        WHERE titre LIKE N'%' + @query + N'%'
        ORDER BY maj DESC
        """;

    private string ReadQuery => $"SELECT contenu AS content FROM dbo.{_table} WHERE doc_id = TRY_CONVERT(uniqueidentifier, @id)";

    private ConnectorSettings Settings(string? readQuery = null, string? connectionString = null) =>
        GedData.Settings("sqlserver", connectionString ?? _connectionString, SearchQuery, readQuery ?? ReadQuery);

    private async Task InsertAsync(GedDocument document)
    {
        await using var connection = new SqlConnection(_connectionString);
        await connection.ExecuteAsync(
            $"INSERT INTO dbo.{_table} (doc_id, titre, mime, taille, maj, contenu) VALUES (@Id, @Title, @Mime, @Size, @ModifiedAt, @Content)",
            new { document.Id, document.Title, document.Mime, Size = (long?)document.Content?.LongLength, document.ModifiedAt, document.Content });
    }

    [SqlServerFact]
    public async Task SearchAsync_MatchingText_MapsTheAliasedColumns()
    {
        var found = await _type.CreateSource(Settings()).SearchAsync("budget", CancellationToken.None);

        Assert.Equal([GedData.Budget.IdText, GedData.Annexe.IdText], found.Select(d => d.Id));
        Assert.Equal(GedData.Budget.ModifiedAt, found[0].ModifiedAt);
        Assert.Equal(GedData.Budget.Content!.LongLength, found[0].Size);
    }

    [SqlServerFact]
    public async Task OpenAsync_20MegabyteDocument_StreamsInBoundedMemory()
    {
        var document = StreamingTests.LargeDocument();
        await InsertAsync(document);

        await StreamingTests.AssertStreamsInBoundedMemoryAsync(_type.CreateSource(Settings()), document, _output);
    }

    [SqlServerFact]
    public async Task OpenAsync_UnknownOrMalformedId_ThrowsFileNotFound()
    {
        var source = _type.CreateSource(Settings());

        await Assert.ThrowsAsync<FileNotFoundException>(() => source.OpenAsync(Guid.NewGuid().ToString(), CancellationToken.None));
        await Assert.ThrowsAsync<FileNotFoundException>(() => source.OpenAsync("DELIB-2026-042", CancellationToken.None));
    }

    [SqlServerFact]
    public async Task OpenAsync_WrongReadQuery_ThrowsQueryExceptionNamingReadQuery()
    {
        var source = _type.CreateSource(Settings(readQuery: $"SELECT contenue AS content FROM dbo.{_table} WHERE doc_id = TRY_CONVERT(uniqueidentifier, @id)"));

        var error = await Assert.ThrowsAsync<DocumentSourceQueryException>(() => source.OpenAsync(GedData.Budget.IdText, CancellationToken.None));

        Assert.Equal("connectors:ged:settings:readQuery", error.Path);
    }

    [SqlServerFact]
    public async Task TestAsync_ReachableServer_ReportsTheCount()
    {
        var check = await _type.TestAsync(Settings(), new ServiceCollection().BuildServiceProvider(), CancellationToken.None);

        Assert.True(check.Ok, check.Detail);
        Assert.Contains("renvoie 4 document(s)", check.Detail, StringComparison.Ordinal);
    }

    [SqlServerFact]
    public async Task TestAsync_WrongPassword_FailsWithoutThePassword()
    {
        const string WrongPassword = "Pas-le-bon-mot-de-passe-2026";
        var wrong = new SqlConnectionStringBuilder(_connectionString) { IntegratedSecurity = false, Password = WrongPassword }.ConnectionString;

        var check = await _type.TestAsync(Settings(connectionString: wrong), new ServiceCollection().BuildServiceProvider(), CancellationToken.None);

        Assert.False(check.Ok);
        Assert.DoesNotContain(WrongPassword, check.Detail, StringComparison.Ordinal);
    }
}
