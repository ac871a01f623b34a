using IntegrationHub.TestSupport.Postgres;
using Npgsql;
using Xunit;

namespace IntegrationHub.Tests.Infrastructure;

public sealed class PostgresServerTests
{
    [Fact]
    public async Task CreateDatabaseAsync_TwoCalls_GiveDistinctWorkingDatabases()
    {
        var first = await PostgresServer.Instance.CreateDatabaseAsync("server_tests");
        var second = await PostgresServer.Instance.CreateDatabaseAsync();

        var firstName = await QueryAsync(first, "select current_database()");
        var secondName = await QueryAsync(second, "select current_database()");
        Assert.NotEqual(firstName, secondName);
        Assert.StartsWith("server_tests_", firstName, StringComparison.Ordinal);
        Assert.Contains("PostgreSQL", await QueryAsync(first, "select version()"), StringComparison.Ordinal);
        Assert.Contains("PostgreSQL", await QueryAsync(second, "select version()"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateDatabaseAsync_Database_IsEmptyAndIsolated()
    {
        var first = await PostgresServer.Instance.CreateDatabaseAsync();
        var second = await PostgresServer.Instance.CreateDatabaseAsync();

        await QueryAsync(first, "create table marker (id int); select 'created'");

        Assert.Equal("1", await QueryAsync(first, "select count(*) from pg_tables where tablename = 'marker'"));
        Assert.Equal("0", await QueryAsync(second, "select count(*) from pg_tables where tablename = 'marker'"));
    }

    [Fact]
    public async Task CreateDatabaseAsync_ConnectionString_IncludesErrorDetail()
    {
        var builder = new NpgsqlConnectionStringBuilder(await PostgresServer.Instance.CreateDatabaseAsync());

        Assert.True(builder.IncludeErrorDetail);
        Assert.True(builder.Pooling);
    }

    private static async Task<string> QueryAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture)!;
    }
}
