using Dapper;
using IntegrationHub.Plugins.Connectors;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace IntegrationHub.Connectors.SqlDocuments.Tests;

public sealed class SqlDocumentsConnectorTypeTests : IClassFixture<PostgresGed>, IClassFixture<SqliteGed>
{
    private const string SqlServerSearch = """
        SELECT TOP (@maxResults) CONVERT(varchar(36), doc_id) AS id, titre AS name, mime AS media_type, taille AS size, maj AS modified_at
        FROM dbo.ged_documents WHERE titre LIKE N'%' + @query + N'%' ORDER BY maj DESC
        """;

    private const string SqlServerRead = "SELECT contenu AS content FROM dbo.ged_documents WHERE doc_id = TRY_CONVERT(uniqueidentifier, @id)";

    // Made up at run time: the tests check this value never appears in a message, and no secret-like literal sits in git.
    private static readonly string FakePassword = "lecture-" + Guid.NewGuid().ToString("N");
    private static readonly string SqlServerConnection = $"Server=ged.mairie.local;Database=GED;User Id=hub_lecture;Password={FakePassword};TrustServerCertificate=True";

    private readonly SqlDocumentsConnectorType _type = new();
    private readonly PostgresGed _postgres;
    private readonly SqliteGed _sqlite;
    private readonly IServiceProvider _services = new ServiceCollection().BuildServiceProvider();

    public SqlDocumentsConnectorTypeTests(PostgresGed postgres, SqliteGed sqlite)
    {
        _postgres = postgres;
        _sqlite = sqlite;
    }

    private static ConnectorSettings SqlServer(IReadOnlyDictionary<string, string>? overrides = null, string[]? without = null) =>
        GedData.Settings("sqlserver", SqlServerConnection, SqlServerSearch, SqlServerRead, overrides, without);

    private static Dictionary<string, string> Set(string key, string value) => new(StringComparer.Ordinal) { [key] = value };

    [Fact]
    public void Settings_Schema_HasTheDocumentedKeys()
    {
        Assert.Equal("sql-documents", _type.TypeId);
        Assert.Equal("Gestion documentaire (base SQL)", _type.DisplayName);
        Assert.Equal(RecipientAddress.None, _type.Address);
        Assert.Equal(["provider", "searchQuery", "readQuery", "describeQuery", "maxResults", "commandTimeout", "connectionString"], _type.Settings.Select(s => s.Key));
        Assert.Equal(["searchQuery", "readQuery", "connectionString"], _type.Settings.Where(s => s.Required).Select(s => s.Key));
        Assert.Equal(["connectionString"], _type.Settings.Where(s => s.Secret).Select(s => s.Key));
        var provider = Assert.Single(_type.Settings, s => s.Key == "provider");
        Assert.Equal(SettingKind.Choice, provider.Kind);
        Assert.Equal("sqlserver", provider.DefaultValue);
        Assert.Equal(["sqlserver", "postgresql", "sqlite"], provider.AllowedValues!);
        var maxResults = Assert.Single(_type.Settings, s => s.Key == "maxResults");
        Assert.Equal((SettingKind.WholeNumber, "50"), (maxResults.Kind, maxResults.DefaultValue));
    }

    [Fact]
    public void Validate_EachProviderWithItsQueries_ReportsNothing()
    {
        Assert.Empty(_type.Validate(SqlServer()));
        Assert.Empty(_type.Validate(SqlServer(without: ["provider"])));
        Assert.Empty(_type.Validate(_postgres.Settings()));
        Assert.Empty(_type.Validate(_sqlite.Settings()));
    }

    [Fact]
    public void Validate_UnknownProvider_NamesItInFrench()
    {
        var error = Assert.Single(_type.Validate(SqlServer(Set("provider", "oracle"))));

        Assert.Equal("provider", error.Key);
        Assert.Equal("provider doit valoir sqlserver, postgresql, sqlite (reçu : « oracle »).", error.Message);
    }

    [Theory]
    [InlineData("searchQuery", "SELECT 1 AS id; DELETE FROM dbo.ged_documents WHERE titre = @query", "plusieurs instructions")]
    [InlineData("searchQuery", "DELETE FROM dbo.ged_documents WHERE titre = @query", "commençant par SELECT ou WITH (reçu : « DELETE »)")]
    [InlineData("searchQuery", "EXEC dbo.rechercher @query", "commençant par SELECT ou WITH")]
    [InlineData("searchQuery", "SELECT * INTO dbo.copie FROM dbo.ged_documents WHERE titre = @query", "ne doit pas contenir « INTO »")]
    [InlineData("searchQuery", "SELECT doc_id AS id FROM dbo.ged_documents WHERE titre = @recherche", "doit utiliser le paramètre @query")]
    [InlineData("readQuery", "SELECT contenu AS content FROM dbo.ged_documents WHERE doc_id = @identifiant", "doit utiliser le paramètre @id")]
    [InlineData("readQuery", "SELECT contenu AS content FROM dbo.ged_documents -- WHERE doc_id = @id", "doit utiliser le paramètre @id")]
    [InlineData("readQuery", "SELECT contenu AS content FROM dbo.ged_documents WHERE doc_id = '@id", "n'est pas refermé")]
    public void Validate_UnsafeOrIncompleteQuery_NamesTheKeyInFrench(string key, string sql, string expected)
    {
        var error = Assert.Single(_type.Validate(SqlServer(Set(key, sql))));

        Assert.Equal(key, error.Key);
        Assert.StartsWith(key, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("maxResults", "0")]
    [InlineData("maxResults", "1001")]
    [InlineData("maxResults", "cinquante")]
    [InlineData("commandTimeout", "0")]
    [InlineData("commandTimeout", "3600")]
    public void Validate_NumberOutOfRange_NamesTheKeyAndTheValue(string key, string value)
    {
        var error = Assert.Single(_type.Validate(SqlServer(Set(key, value))));

        Assert.Equal(key, error.Key);
        Assert.StartsWith($"{key} doit être un nombre entier de 1 à ", error.Message, StringComparison.Ordinal);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sqlserver", "Server=ged;Password={password};Cle Inconnue=1")]
    [InlineData("sqlserver", "Database=GED;Password={password}")]
    [InlineData("postgresql", "Host=ged;Password={password};Port=cinq")]
    [InlineData("sqlite", "Data Source=:memory:;Password={password}")]
    [InlineData("sqlite", "Fichier=ged.db;Password={password}")]
    public void Validate_UnusableConnectionString_NeverQuotesIt(string provider, string connectionString)
    {
        var settings = GedData.Settings(provider, connectionString.Replace("{password}", FakePassword, StringComparison.Ordinal), PostgresGed.SearchQuery, SqliteGed.ReadQuery);

        var error = Assert.Single(_type.Validate(settings));

        Assert.Equal("connectionString", error.Key);
        Assert.StartsWith("connectionString ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(FakePassword, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("searchQuery", false)]
    [InlineData("readQuery", false)]
    [InlineData("connectionString", true)]
    public void CreateSource_MissingRequiredSetting_ThrowsNamingItsPath(string key, bool secret)
    {
        var settings = SqlServer(without: [key]);

        Assert.Contains(_type.Validate(settings), e => e.Key == key);
        var error = Assert.Throws<ConnectorConfigurationException>(() => _type.CreateSource(settings));
        Assert.Equal($"connectors:ged:{(secret ? "secrets" : "settings")}:{key}", error.Path);
        Assert.Contains(error.Path!, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateSource_InvalidConnectionString_ThrowsNamingTheSecretPathWithoutItsValue()
    {
        var error = Assert.Throws<ConnectorConfigurationException>(
            () => _type.CreateSource(SqlServer(Set("connectionString", $"Server=ged;Password={FakePassword};Cle Inconnue=1"))));

        Assert.Equal("connectors:ged:secrets:connectionString", error.Path);
        Assert.DoesNotContain(FakePassword, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void CreateSource_ValidSettings_OpensNothingAndHidesTheConnectionString()
    {
        var source = _type.CreateSource(SqlServer());

        Assert.IsType<SqlDocumentSource>(source);
        Assert.Equal("sql-documents « ged » (sqlserver), 50 résultats au plus, délai 30 s, chaîne de connexion ***", source.ToString());
    }

    [Fact]
    public void CreateChannel_AnySettings_ReturnsNullBecauseTheTypeDeliversNothing()
    {
        Assert.Null(_type.CreateChannel(SqlServer(), _services));
    }

    [Fact]
    public async Task TestAsync_Postgres_ReportsTheCountInFrenchAndOpensTheFirstDocument()
    {
        var check = await _type.TestAsync(_postgres.Settings(), _services, CancellationToken.None);

        Assert.True(check.Ok, check.Detail);
        Assert.StartsWith("Connexion réussie à PostgreSQL 15", check.Detail, StringComparison.Ordinal);
        Assert.Contains("la recherche sans critère renvoie 4 document(s) (au plus 50)", check.Detail, StringComparison.Ordinal);
        Assert.Contains("« Ordre du jour conseil du 3 décembre.pdf », s'ouvre en lecture continue", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestAsync_Sqlite_ReportsTheCount()
    {
        var check = await _type.TestAsync(_sqlite.Settings(), _services, CancellationToken.None);

        Assert.True(check.Ok, check.Detail);
        Assert.Contains("renvoie 4 document(s)", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestAsync_NothingFound_SucceedsAndSaysTheReadQueryWasNotTried()
    {
        var settings = _postgres.Settings(searchQuery: PostgresGed.SearchQuery.Replace("ILIKE '%' || @query || '%'", "= @query", StringComparison.Ordinal));

        var check = await _type.TestAsync(settings, _services, CancellationToken.None);

        Assert.True(check.Ok, check.Detail);
        Assert.Contains("renvoie 0 document(s)", check.Detail, StringComparison.Ordinal);
        Assert.Contains("La requête de lecture n'a pas pu être essayée", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestAsync_WrongPassword_FailsWithoutThePasswordInTheDetail()
    {
        const string WrongPassword = "Mauvais-mot-de-passe-DSI-77";
        var settings = _postgres.Settings(connectionString: _postgres.ReaderConnectionStringWith(b => b.Password = WrongPassword));

        var check = await _type.TestAsync(settings, _services, CancellationToken.None);

        Assert.False(check.Ok);
        Assert.Contains("28P01", check.Detail, StringComparison.Ordinal);
        Assert.Contains("connectors:ged:secrets:connectionString", check.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(WrongPassword, check.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(_postgres.ReaderPassword, check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestAsync_ServerNotListening_FailsInFrench()
    {
        var check = await _type.TestAsync(_postgres.Settings(connectionString: PostgresGed.ClosedPortConnectionString()), _services, CancellationToken.None);

        Assert.False(check.Ok);
        Assert.StartsWith("La base de la gestion documentaire « ged » (PostgreSQL) ne répond pas pour le moment", check.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("Mot-de-passe-introuvable-42", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestAsync_WrongSearchQuery_FailsNamingIt()
    {
        var settings = _postgres.Settings(searchQuery: PostgresGed.SearchQuery.Replace("taille AS size", "taile AS size", StringComparison.Ordinal));

        var check = await _type.TestAsync(settings, _services, CancellationToken.None);

        Assert.False(check.Ok);
        Assert.Contains("connectors:ged:settings:searchQuery", check.Detail, StringComparison.Ordinal);
        Assert.Contains("42703", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestAsync_ReadQueryUsingAnotherId_FailsSayingBothQueriesMustAgree()
    {
        var settings = _postgres.Settings(readQuery: "SELECT contenu AS content FROM ged_documents WHERE titre = @id");

        var check = await _type.TestAsync(settings, _services, CancellationToken.None);

        Assert.False(check.Ok);
        Assert.Contains("connectors:ged:settings:readQuery ne lit pas le premier", check.Detail, StringComparison.Ordinal);
        Assert.Contains("même identifiant", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestAsync_SearchQueryCallingAFunctionThatWrites_FailsInTheReadOnlyTransactionAndWritesNothing()
    {
        // The guard cannot see inside a function; the check's read-only transaction refuses the write (25006). With the
        // owner's login, on purpose: a read-only login would already be refused the INSERT.
        await using (var owner = new NpgsqlConnection(_postgres.OwnerConnectionString))
        {
            await owner.ExecuteAsync("""
                CREATE TABLE IF NOT EXISTS journal_recherches (texte text);
                CREATE OR REPLACE FUNCTION journaliser(t text) RETURNS boolean LANGUAGE plpgsql AS
                $$ BEGIN INSERT INTO journal_recherches VALUES (t); RETURN true; END $$;
                """);
        }

        var settings = _postgres.Settings(
            searchQuery: PostgresGed.SearchQuery.Replace("WHERE ", "WHERE journaliser(@query) AND ", StringComparison.Ordinal),
            connectionString: _postgres.OwnerConnectionString);

        var check = await _type.TestAsync(settings, _services, CancellationToken.None);

        Assert.False(check.Ok);
        Assert.Contains("25006", check.Detail, StringComparison.Ordinal);
        await using var reader = new NpgsqlConnection(_postgres.OwnerConnectionString);
        Assert.Equal(0, await reader.ExecuteScalarAsync<long>("SELECT count(*) FROM journal_recherches"));
    }

    [Fact]
    public async Task TestAsync_InvalidSettings_FailsWithTheValidationMessages()
    {
        var check = await _type.TestAsync(SqlServer(Set("readQuery", "SELECT contenu AS content FROM dbo.ged_documents")), _services, CancellationToken.None);

        Assert.False(check.Ok);
        Assert.StartsWith("Paramètres invalides : readQuery doit utiliser le paramètre @id", check.Detail, StringComparison.Ordinal);
    }
}
