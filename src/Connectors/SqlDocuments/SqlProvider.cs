using System.Data.Common;
using Dapper;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace IntegrationHub.Connectors.SqlDocuments;

/// <summary>The database engines the connector speaks to.</summary>
internal enum SqlProvider
{
    SqlServer,
    PostgreSql,
    Sqlite,
}

/// <summary>Everything that differs between the engines, in one place: names, connection strings, read-only transactions.</summary>
internal static class SqlProviders
{
    public const string SqlServerName = "sqlserver";
    public const string PostgreSqlName = "postgresql";
    public const string SqliteName = "sqlite";

    public static readonly IReadOnlyList<string> Names = [SqlServerName, PostgreSqlName, SqliteName];

    public static bool TryParse(string? name, out SqlProvider provider)
    {
        switch (name)
        {
            case SqlServerName:
                provider = SqlProvider.SqlServer;
                return true;
            case PostgreSqlName:
                provider = SqlProvider.PostgreSql;
                return true;
            case SqliteName:
                provider = SqlProvider.Sqlite;
                return true;
            default:
                provider = default;
                return false;
        }
    }

    public static string NameOf(SqlProvider provider) => provider switch
    {
        SqlProvider.SqlServer => SqlServerName,
        SqlProvider.PostgreSql => PostgreSqlName,
        SqlProvider.Sqlite => SqliteName,
        _ => throw new ArgumentOutOfRangeException(nameof(provider)),
    };

    public static string DisplayName(SqlProvider provider) => provider switch
    {
        SqlProvider.SqlServer => "SQL Server",
        SqlProvider.PostgreSql => "PostgreSQL",
        SqlProvider.Sqlite => "SQLite",
        _ => throw new ArgumentOutOfRangeException(nameof(provider)),
    };

    /// <summary>
    /// What is wrong with a connection string, in French, or <see langword="null"/>. The message never quotes the
    /// string nor the parser's text: either may hold the password.
    /// </summary>
    public static string? CheckConnectionString(SqlProvider provider, string connectionString)
    {
        try
        {
            return provider switch
            {
                SqlProvider.SqlServer => string.IsNullOrWhiteSpace(new SqlConnectionStringBuilder(connectionString).DataSource)
                    ? "connectionString doit nommer le serveur SQL Server (Server=… ou Data Source=…)."
                    : null,
                SqlProvider.PostgreSql => string.IsNullOrWhiteSpace(new NpgsqlConnectionStringBuilder(connectionString).Host)
                    ? "connectionString doit nommer le serveur PostgreSQL (Host=…)."
                    : null,
                SqlProvider.Sqlite => new SqliteConnectionStringBuilder(connectionString) switch
                {
                    { Mode: SqliteOpenMode.Memory } or { DataSource: "" or ":memory:" } =>
                        "connectionString doit désigner le fichier de la base SQLite (Data Source=/chemin/ged.db), pas une base en mémoire.",
                    _ => null,
                },
                _ => throw new ArgumentOutOfRangeException(nameof(provider)),
            };
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException or InvalidCastException or OverflowException)
        {
            return $"connectionString n'est pas une chaîne de connexion {DisplayName(provider)} valide (mot-clé inconnu ou valeur mal formée). "
                + "Son contenu n'est pas recopié ici car il peut contenir le mot de passe.";
        }
    }

    /// <summary>
    /// A new, closed connection. SQLite is always opened read-only: the connector never writes, and a mistyped path
    /// then fails instead of silently creating an empty database.
    /// </summary>
    public static DbConnection CreateConnection(SqlProvider provider, string connectionString) => provider switch
    {
        SqlProvider.SqlServer => new SqlConnection(connectionString),
        SqlProvider.PostgreSql => new NpgsqlConnection(connectionString),
        SqlProvider.Sqlite => new SqliteConnection(new SqliteConnectionStringBuilder(connectionString) { Mode = SqliteOpenMode.ReadOnly }.ConnectionString),
        _ => throw new ArgumentOutOfRangeException(nameof(provider)),
    };

    /// <summary>The password the connection string holds, if any, so that it can be scrubbed from provider messages.</summary>
    public static string? PasswordOf(SqlProvider provider, string connectionString)
    {
        try
        {
            var password = provider switch
            {
                SqlProvider.SqlServer => new SqlConnectionStringBuilder(connectionString).Password,
                SqlProvider.PostgreSql => new NpgsqlConnectionStringBuilder(connectionString).Password,
                SqlProvider.Sqlite => new SqliteConnectionStringBuilder(connectionString).Password,
                _ => null,
            };
            return string.IsNullOrEmpty(password) ? null : password;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException or InvalidCastException or OverflowException)
        {
            return null;
        }
    }

    /// <summary>
    /// Begins the transaction the connection check runs in, always rolled back. PostgreSQL refuses any write in it
    /// (<c>SET TRANSACTION READ ONLY</c>); SQLite connections are read-only already; T-SQL has no read-only
    /// transaction, so on SQL Server only the rollback and the read-only login protect the data.
    /// </summary>
    public static async Task<DbTransaction> BeginReadOnlyTransactionAsync(
        SqlProvider provider, DbConnection connection, int commandTimeoutSeconds, CancellationToken cancellationToken)
    {
        switch (provider)
        {
            case SqlProvider.PostgreSql:
                var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await connection.ExecuteAsync(new CommandDefinition(
                    "SET TRANSACTION READ ONLY", transaction: transaction, commandTimeout: commandTimeoutSeconds, cancellationToken: cancellationToken));
                return transaction;
            case SqlProvider.Sqlite:
                // A deferred transaction takes no write lock (BEGIN IMMEDIATE would fail on a read-only connection).
                return ((SqliteConnection)connection).BeginTransaction(deferred: true);
            default:
                return await connection.BeginTransactionAsync(cancellationToken);
        }
    }
}
