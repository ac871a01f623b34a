using Dapper;
using IntegrationHub.Plugins.Connectors;
using IntegrationHub.TestSupport.Postgres;
using Npgsql;
using Xunit;

namespace IntegrationHub.TestSupport.Ged;

/// <summary>
/// A "document management" database on the test PostgreSQL server, with the French schema a real GED might have, and
/// a login that may only SELECT from it (the advice the README gives the DSI).
/// </summary>
public sealed class PostgresGed : IAsyncLifetime
{
    public const string SearchQuery = """
        SELECT doc_id AS id, titre AS name, mime AS media_type, taille AS size, maj AS modified_at
        FROM ged_documents
        WHERE titre ILIKE '%' || @query || '%'
        ORDER BY maj DESC
        LIMIT @maxResults
        """;

    public const string DescribeQuery = """
        SELECT doc_id AS id, titre AS name, mime AS media_type, taille AS size, maj AS modified_at
        FROM ged_documents
        WHERE doc_id = CAST(@id AS uuid)
        """;

    public const string ReadQuery = "SELECT contenu AS content FROM ged_documents WHERE doc_id = CAST(@id AS uuid)";

    /// <summary>The owner's connection string (superuser on the throwaway cluster): for arranging data only.</summary>
    public string OwnerConnectionString { get; private set; } = "";

    /// <summary>The read-only login's connection string, password included.</summary>
    public string ReaderConnectionString { get; private set; } = "";

    public string ReaderPassword { get; private set; } = "";

    public async Task InitializeAsync()
    {
        OwnerConnectionString = await PostgresServer.Instance.CreateDatabaseAsync("sql_documents");
        await using var connection = new NpgsqlConnection(OwnerConnectionString);
        await connection.OpenAsync();
        await connection.ExecuteAsync("""
            CREATE TABLE ged_documents (
                doc_id uuid PRIMARY KEY,
                titre text NOT NULL,
                mime text,
                taille bigint,
                maj timestamptz,
                contenu bytea
            )
            """);
        foreach (var document in GedData.Documents)
        {
            await InsertAsync(document);
        }

        var login = await PostgresReadOnlyLogin.EnsureAsync();
        await connection.ExecuteAsync($"GRANT SELECT ON ged_documents TO {login.Role}");
        ReaderPassword = login.Password;
        ReaderConnectionString = new NpgsqlConnectionStringBuilder(OwnerConnectionString)
        {
            Username = login.Role,
            Password = login.Password,
        }.ConnectionString;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public async Task InsertAsync(GedDocument document)
    {
        await using var connection = new NpgsqlConnection(OwnerConnectionString);
        await connection.ExecuteAsync(
            "INSERT INTO ged_documents (doc_id, titre, mime, taille, maj, contenu) VALUES (@Id, @Title, @Mime, @Size, @ModifiedAt, @Content)",
            new { document.Id, document.Title, document.Mime, Size = (long?)document.Content?.LongLength, ModifiedAt = document.ModifiedAt.ToUniversalTime(), document.Content });
    }

    public ConnectorSettings Settings(
        string? searchQuery = null,
        string? readQuery = null,
        string? connectionString = null,
        IReadOnlyDictionary<string, string>? overrides = null) =>
        GedData.Settings("postgresql", connectionString ?? ReaderConnectionString, searchQuery ?? SearchQuery, readQuery ?? ReadQuery, overrides);

    /// <summary>The reader's connection string with other values (a wrong password, a closed port, a tiny pool).</summary>
    public string ReaderConnectionStringWith(Action<NpgsqlConnectionStringBuilder> change)
    {
        var builder = new NpgsqlConnectionStringBuilder(ReaderConnectionString);
        change(builder);
        return builder.ConnectionString;
    }

    public static string ClosedPortConnectionString() => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Ports.FreeTcpPort(),
        Username = "ged_lecteur",
        Password = "Mot-de-passe-introuvable-42",
        Database = "ged",
        Timeout = 5,
    }.ConnectionString;
}

/// <summary>
/// A login role with a password that the server really checks. The throwaway cluster trusts every local connection
/// (<c>initdb -A trust</c>), so for this role only a <c>scram-sha-256</c> line is put first in its pg_hba.conf. An
/// external server (<c>HUB_TEST_POSTGRES</c>) is left as it is and must check passwords itself.
/// </summary>
internal static class PostgresReadOnlyLogin
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static (string Role, string Password)? _login;

    public static async Task<(string Role, string Password)> EnsureAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_login is { } existing)
            {
                return existing;
            }

            // Both are built from [a-z0-9_-]: CREATE ROLE takes no bind parameters.
            var role = "ged_lecteur_" + Guid.NewGuid().ToString("N")[..12];
            var password = "Lecture-" + Guid.NewGuid().ToString("N");
            var admin = new NpgsqlConnectionStringBuilder(PostgresServer.Instance.AdminConnectionString) { Pooling = false }.ConnectionString;
            await using (var connection = new NpgsqlConnection(admin))
            {
                await connection.OpenAsync();
                await connection.ExecuteAsync($"CREATE ROLE {role} LOGIN PASSWORD '{password}'");
                if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(PostgresServer.ConnectionStringVariable)))
                {
                    await RequirePasswordAsync(connection, role);
                }
            }

            await WaitUntilPasswordsAreCheckedAsync(admin, role, password);
            _login = (role, password);
            return _login.Value;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task RequirePasswordAsync(NpgsqlConnection admin, string role)
    {
        var hbaFile = await admin.ExecuteScalarAsync<string>("SHOW hba_file") ?? throw new InvalidOperationException("No hba_file.");
        var current = await admin.ExecuteScalarAsync<string>("SELECT pg_read_file(current_setting('hba_file'))") ?? "";
        if (current.Contains('\\', StringComparison.Ordinal) || hbaFile.Contains('\'', StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Unexpected pg_hba.conf at {hbaFile}: the test would rewrite it wrongly.");
        }

        // COPY writes one line per row in its text format, which escapes tabs: pg_hba.conf accepts spaces as well.
        string[] lines =
        [
            $"host all {role} 127.0.0.1/32 scram-sha-256",
            $"host all {role} ::1/128 scram-sha-256",
            .. current.Replace('\t', ' ').TrimEnd('\n').Split('\n'),
        ];
        await admin.ExecuteAsync("CREATE TEMP TABLE hba_lines (n int, line text)");
        await admin.ExecuteAsync(
            "INSERT INTO hba_lines SELECT n, line FROM unnest(@lines) WITH ORDINALITY AS l(line, n)", new { lines });
        await admin.ExecuteAsync($"COPY (SELECT line FROM hba_lines ORDER BY n) TO '{hbaFile}'");
        await admin.ExecuteAsync("SELECT pg_reload_conf()");
    }

    private static async Task WaitUntilPasswordsAreCheckedAsync(string admin, string role, string password)
    {
        var wrong = new NpgsqlConnectionStringBuilder(admin) { Username = role, Password = password + "-faux", Pooling = false }.ConnectionString;
        await Eventually.WaitAsync(
            async () =>
            {
                try
                {
                    await using var connection = new NpgsqlConnection(wrong);
                    await connection.OpenAsync();
                    return "accepted";
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidPassword)
                {
                    return "refused";
                }
            },
            outcome => outcome == "refused",
            TimeSpan.FromSeconds(10),
            $"the server to check {role}'s password");
    }
}
