using IntegrationHub.Persistence;
using IntegrationHub.TestSupport.Postgres;
using Microsoft.Extensions.Logging.Abstractions;

namespace IntegrationHub.Tests.Evidence;

/// <summary>Fresh, migrated hub databases for ledger tests: a SQLite file or a PostgreSQL database of the test server.</summary>
internal static class LedgerDatabases
{
    public static async Task<string> CreateAsync(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Sqlite => await MigrateAsync(provider,
            $"Data Source={Path.Combine(Path.GetTempPath(), $"hub-ledger-{Guid.NewGuid():N}.db")};Default Timeout=30;Pooling=True"),
        DatabaseProvider.PostgreSql => await MigrateAsync(provider, await PostgresServer.Instance.CreateDatabaseAsync("ledger")),
        _ => throw new ArgumentOutOfRangeException(nameof(provider)),
    };

    public static async Task<HubDatabase> OpenAsync(DatabaseProvider provider) => new(provider, await CreateAsync(provider));

    private static async Task<string> MigrateAsync(DatabaseProvider provider, string connectionString)
    {
        using var database = new HubDatabase(provider, connectionString);
        await new SchemaMigrator(database, TimeProvider.System, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        return connectionString;
    }
}
