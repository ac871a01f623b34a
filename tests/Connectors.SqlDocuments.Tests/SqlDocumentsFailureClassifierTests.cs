using IntegrationHub.Plugins.Connectors;
using IntegrationHub.Plugins.Documents;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace IntegrationHub.Connectors.SqlDocuments.Tests;

public sealed class SqlDocumentsFailureClassifierTests
{
    private const string Password = "Mot-de-passe-DSI-2026";

    private static SqlDocumentsOptions Options() => new(
        GedData.Settings("postgresql", $"Host=ged;Username=hub_lecture;Password={Password}", PostgresGed.SearchQuery, PostgresGed.ReadQuery),
        SqlProvider.PostgreSql,
        $"Host=ged;Username=hub_lecture;Password={Password}",
        PostgresGed.SearchQuery,
        PostgresGed.ReadQuery,
        PostgresGed.DescribeQuery,
        maxResults: 50,
        commandTimeoutSeconds: 30);

    private static PostgresException Postgres(string sqlState, string text = "erreur") => new(text, "ERROR", "ERROR", sqlState);

    [Theory]
    [InlineData("08006", "Unavailable")]
    [InlineData("53300", "Unavailable")]
    [InlineData("57P01", "Unavailable")]
    [InlineData("57P03", "Unavailable")]
    [InlineData("57014", "Unavailable")]
    [InlineData("40001", "Unavailable")]
    [InlineData("40P01", "Unavailable")]
    [InlineData("55P03", "Unavailable")]
    [InlineData("58030", "Unavailable")]
    [InlineData("XX000", "Unavailable")]
    [InlineData("28P01", "ConnectionRefused")]
    [InlineData("28000", "ConnectionRefused")]
    [InlineData("3D000", "ConnectionRefused")]
    [InlineData("42601", "Query")]
    [InlineData("42P01", "Query")]
    [InlineData("42703", "Query")]
    [InlineData("42501", "Query")]
    [InlineData("25006", "Query")]
    [InlineData("22012", "Query")]
    public void Postgres_SqlState_IsClassified(string sqlState, string expected)
    {
        Assert.Equal(expected, SqlDocumentsFailureClassifier.Classify(Postgres(sqlState)).ToString());
    }

    [Theory]
    [InlineData(-2, 11, "Unavailable")]
    [InlineData(53, 20, "Unavailable")]
    [InlineData(10061, 20, "Unavailable")]
    [InlineData(1205, 13, "Unavailable")]
    [InlineData(1222, 16, "Unavailable")]
    [InlineData(40613, 17, "Unavailable")]
    [InlineData(0, 20, "Unavailable")]
    [InlineData(18456, 14, "ConnectionRefused")]
    [InlineData(18488, 14, "ConnectionRefused")]
    [InlineData(-2146893019, 20, "ConnectionRefused")]
    [InlineData(102, 15, "Query")]
    [InlineData(208, 16, "Query")]
    [InlineData(207, 16, "Query")]
    [InlineData(229, 14, "Query")]
    [InlineData(137, 15, "Query")]
    public void SqlServer_NumberAndSeverity_AreClassified(int number, byte severity, string expected)
    {
        Assert.Equal(expected, SqlDocumentsFailureClassifier.SqlServer(number, severity).ToString());
    }

    [Theory]
    [InlineData(5, "Unavailable")]
    [InlineData(6, "Unavailable")]
    [InlineData(10, "Unavailable")]
    [InlineData(14, "Unavailable")]
    [InlineData(26, "ConnectionRefused")]
    [InlineData(1, "Query")]
    [InlineData(8, "Query")]
    [InlineData(25, "Query")]
    public void Sqlite_ErrorCode_IsClassified(int code, string expected)
    {
        Assert.Equal(expected, SqlDocumentsFailureClassifier.Classify(new SqliteException("erreur", code)).ToString());
    }

    [Fact]
    public void Classify_NotADatabaseError_IsLeftAlone()
    {
        Assert.Null(SqlDocumentsFailureClassifier.Classify(new FileNotFoundException("absent", "x")));
        Assert.Null(SqlDocumentsFailureClassifier.Classify(new InvalidOperationException()));
        Assert.Null(SqlDocumentsFailureClassifier.Map(new OperationCanceledException(), Options(), "p", CancellationToken.None));
        Assert.Equal(SqlFailure.Unavailable, SqlDocumentsFailureClassifier.Classify(new NpgsqlException("Failed to connect", new TimeoutException())));
        Assert.Equal(SqlFailure.Query, SqlDocumentsFailureClassifier.Classify(new IOException("read failed", Postgres("42P01"))));
    }

    [Fact]
    public void Map_EachFailure_GivesItsExceptionAndNamesItsPath()
    {
        var options = Options();

        Assert.IsType<DocumentSourceUnavailableException>(SqlDocumentsFailureClassifier.Map(Postgres("57P03"), options, options.ReadQueryPath, CancellationToken.None));
        var query = Assert.IsType<DocumentSourceQueryException>(SqlDocumentsFailureClassifier.Map(Postgres("42P01"), options, options.ReadQueryPath, CancellationToken.None));
        Assert.Equal("connectors:ged:settings:readQuery", query.Path);
        Assert.IsType<PostgresException>(query.InnerException);
        var refused = Assert.IsType<ConnectorConfigurationException>(SqlDocumentsFailureClassifier.Map(Postgres("28P01"), options, options.ReadQueryPath, CancellationToken.None));
        Assert.Equal("connectors:ged:secrets:connectionString", refused.Path);
    }

    [Fact]
    public void Map_ProviderMessageEchoingThePassword_IsScrubbed()
    {
        var options = Options();

        var mapped = SqlDocumentsFailureClassifier.Map(Postgres("42601", $"syntax error near \"{Password}\""), options, options.SearchQueryPath, CancellationToken.None)!;

        Assert.DoesNotContain(Password, mapped.Message, StringComparison.Ordinal);
        Assert.Contains("***", mapped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Map_ErrorAfterTheCallerCancelled_IsACancellation()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var mapped = SqlDocumentsFailureClassifier.Map(Postgres("08006"), Options(), "p", cancelled.Token);

        Assert.Equal(cancelled.Token, Assert.IsType<OperationCanceledException>(mapped).CancellationToken);
    }

    [Fact]
    public void Options_ToString_HidesTheConnectionString()
    {
        var text = Options().ToString();

        Assert.DoesNotContain(Password, text, StringComparison.Ordinal);
        Assert.DoesNotContain("Host=", text, StringComparison.Ordinal);
    }
}
