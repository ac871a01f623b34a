using System.Globalization;
using Dapper;
using IntegrationHub.Plugins.Connectors;
using Microsoft.Data.Sqlite;
using Xunit;

namespace IntegrationHub.TestSupport.Ged;

/// <summary>The same document management schema in a SQLite file under a temporary directory.</summary>
public sealed class SqliteGed : IAsyncLifetime
{
    public const string SearchQuery = """
        SELECT doc_id AS id, titre AS name, mime AS media_type, taille AS size, maj AS modified_at
        FROM ged_documents
        WHERE titre LIKE '%' || @query || '%'
        ORDER BY maj DESC
        LIMIT @maxResults
        """;

    public const string DescribeQuery = """
        SELECT doc_id AS id, titre AS name, mime AS media_type, taille AS size, maj AS modified_at
        FROM ged_documents
        WHERE doc_id = @id
        """;

    // SQLite streams a BLOB only when the query also returns the row's rowid (Microsoft.Data.Sqlite, "Blob I/O").
    public const string ReadQuery = "SELECT contenu AS content, rowid FROM ged_documents WHERE doc_id = @id";

    private DirectoryInfo? _directory;

    public string DatabasePath { get; private set; } = "";

    public string ConnectionString => new SqliteConnectionStringBuilder { DataSource = DatabasePath }.ConnectionString;

    public async Task InitializeAsync()
    {
        _directory = Directory.CreateTempSubdirectory("hub-test-ged-");
        DatabasePath = Path.Combine(_directory.FullName, "ged.db");
        await using var connection = OpenWriter();
        await connection.ExecuteAsync("""
            CREATE TABLE ged_documents (
                doc_id TEXT PRIMARY KEY,
                titre TEXT NOT NULL,
                mime TEXT,
                taille INTEGER,
                maj TEXT,
                contenu BLOB
            )
            """);
        foreach (var document in GedData.Documents)
        {
            await InsertAsync(document);
        }
    }

    public Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        _directory?.Delete(recursive: true);
        return Task.CompletedTask;
    }

    public async Task InsertAsync(GedDocument document)
    {
        await using var connection = OpenWriter();
        await connection.ExecuteAsync(
            "INSERT INTO ged_documents (doc_id, titre, mime, taille, maj, contenu) VALUES (@Id, @Title, @Mime, @Size, @ModifiedAt, @Content)",
            new
            {
                Id = document.IdText,
                document.Title,
                document.Mime,
                Size = (long?)document.Content?.LongLength,
                ModifiedAt = document.ModifiedAt.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
                document.Content,
            });
    }

    public ConnectorSettings Settings(
        string? searchQuery = null,
        string? readQuery = null,
        string? connectionString = null,
        IReadOnlyDictionary<string, string>? overrides = null) =>
        GedData.Settings("sqlite", connectionString ?? ConnectionString, searchQuery ?? SearchQuery, readQuery ?? ReadQuery, overrides);

    private SqliteConnection OpenWriter()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ConnectionString);
        connection.Open();
        return connection;
    }
}
