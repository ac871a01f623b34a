using Dapper;
using IntegrationHub.Persistence;
using IntegrationHub.TestSupport.Postgres;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace IntegrationHub.Tests.Persistence;

public sealed class SchemaMigratorTests
{
    [Fact]
    public void LoadScripts_EveryDialect_HasTheSameVersions()
    {
        var versions = Enum.GetValues<DatabaseProvider>()
            .Select(p => string.Join(",", SchemaMigrator.LoadScripts(p).Select(s => s.Version)))
            .Distinct()
            .ToList();
        Assert.Single(versions);
        Assert.NotEqual("", versions[0]);
    }

    [Fact]
    public async Task MigrateAsync_Sqlite_TwiceAppliesOnce()
    {
        var file = Path.Combine(Path.GetTempPath(), $"hub-migrate-{Guid.NewGuid():N}.db");
        using var database = new HubDatabase(DatabaseProvider.Sqlite, $"Data Source={file};Pooling=False");
        var migrator = new SchemaMigrator(database, TimeProvider.System, NullLogger<SchemaMigrator>.Instance);
        await migrator.MigrateAsync(CancellationToken.None);
        await migrator.MigrateAsync(CancellationToken.None);
        await using var connection = await database.OpenAsync();
        Assert.Equal(SchemaMigrator.LoadScripts(DatabaseProvider.Sqlite).Count, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM schema_migrations"));
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM deliveries"));
    }

    [Fact]
    public async Task MigrateAsync_PostgresNodesStartingTogether_ApplyEachScriptOnce()
    {
        var connectionString = await PostgresServer.Instance.CreateDatabaseAsync("migrate");
        var nodes = Enumerable.Range(0, 4).Select(_ => new HubDatabase(DatabaseProvider.PostgreSql, connectionString)).ToList();
        try
        {
            await Task.WhenAll(nodes.Select(db => new SchemaMigrator(db, TimeProvider.System, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None)));
            await using var connection = await nodes[0].OpenAsync();
            var applied = (await connection.QueryAsync<int>("SELECT version FROM schema_migrations ORDER BY version")).ToList();
            Assert.Equal(SchemaMigrator.LoadScripts(DatabaseProvider.PostgreSql).Select(s => s.Version), applied);
            Assert.Equal("timestamp with time zone", await connection.ExecuteScalarAsync<string>(
                "SELECT data_type FROM information_schema.columns WHERE table_name = 'deliveries' AND column_name = 'created_at'"));
        }
        finally
        {
            nodes.ForEach(n => n.Dispose());
        }
    }

    [SqlServerFact]
    public async Task MigrateAsync_SqlServer_CreatesSchemaOnce()
    {
        var connectionString = Environment.GetEnvironmentVariable(SqlServerFactAttribute.Variable)!;
        var databaseName = $"hub_test_{Guid.NewGuid():N}";
        await using (var master = new SqlConnection(connectionString))
        {
            await master.ExecuteAsync($"CREATE DATABASE [{databaseName}]");
        }
        var builder = new SqlConnectionStringBuilder(connectionString) { InitialCatalog = databaseName };
        using var database = new HubDatabase(DatabaseProvider.SqlServer, builder.ConnectionString);
        var migrator = new SchemaMigrator(database, TimeProvider.System, NullLogger<SchemaMigrator>.Instance);
        await migrator.MigrateAsync(CancellationToken.None);
        await migrator.MigrateAsync(CancellationToken.None);
        await using var connection = await database.OpenAsync();
        Assert.Equal(SchemaMigrator.LoadScripts(DatabaseProvider.SqlServer).Count, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM schema_migrations"));
    }
}
