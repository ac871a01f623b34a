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

    /// <summary>
    /// HubDatabase sets its PRAGMAs once per native connection, and the pool hands the migrator's connection out
    /// again: the foreign keys it turned off for table rebuilds must be back on when it is released.
    /// </summary>
    [Fact]
    public async Task MigrateAsync_SqlitePooled_LeavesForeignKeysOnForTheNextUser()
    {
        var file = Path.Combine(Path.GetTempPath(), $"hub-migrate-{Guid.NewGuid():N}.db");
        using var database = new HubDatabase(DatabaseProvider.Sqlite, $"Data Source={file}");
        var migrator = new SchemaMigrator(database, TimeProvider.System, NullLogger<SchemaMigrator>.Instance);
        await migrator.MigrateAsync(CancellationToken.None);
        await using var connection = await database.OpenAsync();
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("PRAGMA foreign_keys"));
        Assert.Equal(5000, await connection.ExecuteScalarAsync<int>("PRAGMA busy_timeout"));
    }

    /// <summary>A pooled connection keeps its PRAGMAs; a new one (the pool cleared) gets them too.</summary>
    [Fact]
    public async Task OpenAsync_SqlitePooled_EveryNativeConnectionHasThePragmas()
    {
        var file = Path.Combine(Path.GetTempPath(), $"hub-open-{Guid.NewGuid():N}.db");
        using var database = new HubDatabase(DatabaseProvider.Sqlite, $"Data Source={file}");
        for (var round = 0; round < 3; round++)
        {
            // Two at once: the second is a native connection of its own.
            await using var first = await database.OpenAsync();
            await using var second = await database.OpenAsync();
            foreach (var connection in new[] { first, second })
            {
                Assert.Equal(1, await connection.ExecuteScalarAsync<int>("PRAGMA foreign_keys"));
                Assert.Equal(1, await connection.ExecuteScalarAsync<int>("PRAGMA synchronous"));
                Assert.Equal(5000, await connection.ExecuteScalarAsync<int>("PRAGMA busy_timeout"));
            }

            if (round == 1)
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearPool((Microsoft.Data.Sqlite.SqliteConnection)first);
            }
        }
    }

    /// <summary>0005 rebuilds the outbox table on SQLite (mailings): the deliveries and their events must survive it.</summary>
    [Fact]
    public async Task MigrateAsync_SqliteOutboxRebuild_KeepsEveryDeliveryAndItsEvents()
    {
        var file = Path.Combine(Path.GetTempPath(), $"hub-migrate-{Guid.NewGuid():N}.db");
        using var database = new HubDatabase(DatabaseProvider.Sqlite, $"Data Source={file};Pooling=False");
        var migrator = new SchemaMigrator(database, TimeProvider.System, NullLogger<SchemaMigrator>.Instance);
        await migrator.MigrateToAsync(3, CancellationToken.None);
        var (authority, assembly, member, session, convocation, delivery) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await using (var connection = await database.OpenAsync())
        {
            await connection.ExecuteAsync(
                """
                INSERT INTO authorities (id, name, kind, population, siren, department_code, created_at) VALUES (@authority, 'Commune', 'commune', 4200, '210000001', '034', '2026-03-01T00:00:00Z');
                INSERT INTO assemblies (id, authority_id, name, kind, created_at) VALUES (@assembly, @authority, 'Conseil municipal', 'council', '2026-03-01T00:00:00Z');
                INSERT INTO members (id, authority_id, first_name, last_name, email, delivery, created_at, updated_at)
                    VALUES (@member, @authority, 'Anne', 'Martin', 'anne@example.org', 'electronic', '2026-03-01T00:00:00Z', '2026-03-01T00:00:00Z');
                INSERT INTO sessions (id, authority_id, assembly_id, starts_at_local, starts_at, duration_minutes, place, urgent, status, version, sent_at,
                    rule_notice_days, rule_urgent_notice_days, rule_clear_days, rule_synthesis_note_required, rule_source, rule_version, rule_effective_from,
                    latest_send_date, created_at, updated_at)
                    VALUES (@session, @authority, @assembly, '2026-03-26T18:30:00', '2026-03-26T17:30:00Z', 120, 'Mairie', 0, 'sent', 1, '2026-03-10T09:00:00Z',
                    5, 1, 1, 1, 'CGCT L2121-12', '2019-12-29', '2019-12-29', '2026-03-20', '2026-03-01T00:00:00Z', '2026-03-10T09:00:00Z');
                INSERT INTO convocations (id, authority_id, session_id, member_id, created_at) VALUES (@convocation, @authority, @session, @member, '2026-03-10T09:00:00Z');
                INSERT INTO deliveries (id, authority_id, session_id, convocation_id, channel, purpose, session_version, status, attempts, sent_at,
                    provider_message_id, created_at, updated_at)
                    VALUES (@delivery, @authority, @session, @convocation, 'email', 'convocation', 1, 'sent', 1, '2026-03-10T09:00:01Z', '<m1@hub>',
                    '2026-03-10T09:00:00Z', '2026-03-10T09:00:01Z');
                INSERT INTO delivery_events (id, authority_id, delivery_id, at, status) VALUES (@event, @authority, @delivery, '2026-03-10T09:00:01Z', 'sent');
                """,
                new { authority, assembly, member, session, convocation, delivery, @event = Guid.NewGuid() });
        }

        await migrator.MigrateAsync(CancellationToken.None);

        await using var migrated = await database.OpenAsync();
        Assert.Equal("<m1@hub>", await migrated.ExecuteScalarAsync<string>("SELECT provider_message_id FROM deliveries WHERE id = @delivery AND convocation_id = @convocation", new { delivery, convocation }));
        Assert.Equal(1, await migrated.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM delivery_events WHERE delivery_id = @delivery", new { delivery }));
        Assert.Empty(await migrated.QueryAsync("PRAGMA foreign_key_check"));
        // The rebuilt table still enforces its rules: a delivery belongs to a convocation or to a mailing recipient, never neither.
        await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => migrated.ExecuteAsync(
            "INSERT INTO deliveries (id, authority_id, channel, purpose, session_version, status, attempts, created_at, updated_at) VALUES (@id, @authority, 'email', 'mailing', 0, 'pending', 0, 'x', 'x')",
            new { id = Guid.NewGuid(), authority }));
        await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => migrated.ExecuteAsync(
            "INSERT INTO delivery_events (id, authority_id, delivery_id, at, status) VALUES (@id, @authority, @missing, 'x', 'sent')",
            new { id = Guid.NewGuid(), authority, missing = Guid.NewGuid() }));
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
