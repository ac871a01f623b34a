using System.Globalization;
using Npgsql;

namespace IntegrationHub.Bench.Dispatch;

/// <summary>
/// What the hub asked of PostgreSQL during the dispatch: committed transactions and rows written per table, from
/// <c>pg_stat_database</c> and <c>pg_stat_user_tables</c> (a cheap profile: no extension needed).
/// </summary>
internal sealed record PostgresActivity(long Commits, long Rollbacks, Dictionary<string, (long Inserted, long Updated, long Deleted)> Tables)
{
    public static async Task<PostgresActivity> ReadAsync(string connectionString)
    {
        // Statistics are per backend until flushed and cached per transaction: a fresh connection, no pooling.
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        long commits, rollbacks;
        await using (var command = new NpgsqlCommand("SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = current_database()", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            (commits, rollbacks) = (reader.GetInt64(0), reader.GetInt64(1));
        }

        var tables = new Dictionary<string, (long, long, long)>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand("SELECT schemaname || '.' || relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
            }
        }

        return new PostgresActivity(commits, rollbacks, tables);
    }

    public void PrintSince(PostgresActivity before, int deliveries)
    {
        var inv = CultureInfo.InvariantCulture;
        var commits = Commits - before.Commits;
        Console.WriteLine(string.Create(inv,
            $"  PostgreSQL          {commits} transactions, reads included ({(double)commits / deliveries:F1} per delivery), {Rollbacks - before.Rollbacks} rollbacks; rows written per delivery:"));
        var rows = Tables
            .Select(t => (Name: t.Key, Writes: Delta(t.Value, before.Tables.GetValueOrDefault(t.Key))))
            .Where(t => t.Writes.Inserted + t.Writes.Updated + t.Writes.Deleted > 0)
            .OrderByDescending(t => t.Writes.Inserted + t.Writes.Updated + t.Writes.Deleted);
        foreach (var (name, (inserted, updated, deleted)) in rows)
        {
            Console.WriteLine(string.Create(inv,
                $"    {name,-32} ins {(double)inserted / deliveries,5:F2}  upd {(double)updated / deliveries,5:F2}  del {(double)deleted / deliveries,5:F2}"));
        }
    }

    private static (long Inserted, long Updated, long Deleted) Delta((long Inserted, long Updated, long Deleted) after, (long Inserted, long Updated, long Deleted) before) =>
        (after.Inserted - before.Inserted, after.Updated - before.Updated, after.Deleted - before.Deleted);
}
