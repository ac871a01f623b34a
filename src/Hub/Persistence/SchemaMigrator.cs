using System.Data.Common;
using System.Reflection;
using Dapper;
using Microsoft.Data.Sqlite;

namespace IntegrationHub.Persistence;

/// <summary>
/// Applies the embedded scripts <c>Migrations/&lt;dialect&gt;/NNNN_name.sql</c> in order, each in its own transaction,
/// at start-up. Several hub nodes may start together: a database-level lock serialises them.
/// </summary>
public sealed class SchemaMigrator(HubDatabase database, TimeProvider time, ILogger<SchemaMigrator> logger)
{
    public Task MigrateAsync(CancellationToken cancellationToken) => MigrateToAsync(int.MaxValue, cancellationToken);

    /// <summary>Applies the scripts up to <paramref name="lastVersion"/> included (tests check a migration against older data).</summary>
    internal async Task MigrateToAsync(int lastVersion, CancellationToken cancellationToken)
    {
        var scripts = LoadScripts(database.Provider).Where(s => s.Version <= lastVersion);
        await using var connection = await database.OpenAsync(cancellationToken);
        await EnsureHistoryTableAsync(connection);
        if (database.Provider == DatabaseProvider.Sqlite)
        {
            // A script may rebuild a table (SQLite cannot alter a column): the documented procedure turns foreign keys
            // off outside the transaction and checks them before committing (sqlite.org/lang_altertable.html §7).
            await connection.ExecuteAsync("PRAGMA foreign_keys = OFF");
        }

        try
        {
            foreach (var (version, name, sql) in scripts)
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await AcquireMigrationLockAsync(connection, transaction);
                var applied = await connection.ExecuteScalarAsync<int>(
                    "SELECT COUNT(*) FROM schema_migrations WHERE version = @version", new { version }, transaction);
                if (applied > 0)
                {
                    await transaction.RollbackAsync(cancellationToken);
                    continue;
                }
                await connection.ExecuteAsync(new CommandDefinition(sql, transaction: transaction, cancellationToken: cancellationToken));
                if (database.Provider == DatabaseProvider.Sqlite
                    && (await connection.QueryAsync("PRAGMA foreign_key_check", transaction: transaction)).Any())
                {
                    throw new InvalidOperationException($"Schema migration {name} leaves rows breaking a foreign key; it was rolled back.");
                }
                await connection.ExecuteAsync(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @appliedAt)",
                    new { version, name, appliedAt = time.GetUtcNow() },
                    transaction);
                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("Applied schema migration {Version} {Name} on {Provider}", version, name, database.Provider);
            }
        }
        finally
        {
            if (database.Provider == DatabaseProvider.Sqlite)
            {
                // The connection goes back to the pool, where HubDatabase does not set its PRAGMAs again: if they cannot
                // be turned back on, the pool is emptied so that this handle is closed rather than reused without them (the
                // next connections are new handles, which HubDatabase configures).
                try
                {
                    await connection.ExecuteAsync("PRAGMA foreign_keys = ON");
                }
                catch (SqliteException ex)
                {
                    SqliteConnection.ClearPool((SqliteConnection)connection);
                    logger.LogError(ex, "Could not turn SQLite foreign keys back on after the migrations; the connection pool was emptied");
                }
            }
        }
    }

    private async Task EnsureHistoryTableAsync(DbConnection connection)
    {
        var sql = database.Provider switch
        {
            DatabaseProvider.Sqlite =>
                "PRAGMA journal_mode = WAL; CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);",
            DatabaseProvider.PostgreSql =>
                "CREATE TABLE IF NOT EXISTS schema_migrations (version integer NOT NULL PRIMARY KEY, name varchar(200) NOT NULL, applied_at timestamptz NOT NULL);",
            _ =>
                "IF OBJECT_ID(N'dbo.schema_migrations', N'U') IS NULL CREATE TABLE schema_migrations (version int NOT NULL PRIMARY KEY, name nvarchar(200) NOT NULL, applied_at datetime2(7) NOT NULL);",
        };
        try
        {
            await connection.ExecuteAsync(sql);
        }
        catch (DbException) when (database.Provider == DatabaseProvider.PostgreSql)
        {
            // Two nodes creating the table at once: one wins, the other sees a unique violation on pg_type. Re-check.
            await connection.ExecuteAsync(sql);
        }
    }

    private Task AcquireMigrationLockAsync(DbConnection connection, DbTransaction transaction) => database.Provider switch
    {
        // Released automatically at commit or rollback.
        DatabaseProvider.PostgreSql => connection.ExecuteAsync("SELECT pg_advisory_xact_lock(7305202611)", transaction: transaction),
        DatabaseProvider.SqlServer => connection.ExecuteAsync(
            "EXEC sp_getapplock @Resource = 'integration-hub-migrations', @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = 120000",
            transaction: transaction),
        // SQLite: the transaction is BEGIN IMMEDIATE, which already locks the file for writers.
        _ => Task.CompletedTask,
    };

    internal static IReadOnlyList<(int Version, string Name, string Sql)> LoadScripts(DatabaseProvider provider)
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        var prefix = $"{assembly.GetName().Name}.Persistence.Migrations.{provider.MigrationFolder()}.";
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                var file = n[prefix.Length..^4];
                var version = int.Parse(file.AsSpan(0, file.IndexOf('_', StringComparison.Ordinal)), System.Globalization.CultureInfo.InvariantCulture);
                return (version, file, Read(assembly, n));
            })
            .OrderBy(s => s.version)
            .ToList();
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
