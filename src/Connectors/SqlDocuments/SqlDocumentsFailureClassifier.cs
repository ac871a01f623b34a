using System.Data.Common;
using System.Net.Sockets;
using IntegrationHub.Plugins.Connectors;
using IntegrationHub.Plugins.Documents;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace IntegrationHub.Connectors.SqlDocuments;

/// <summary>What a database error means for the hub.</summary>
internal enum SqlFailure
{
    /// <summary>The database cannot answer now: transient.</summary>
    Unavailable,

    /// <summary>The configured query is wrong for this database: permanent, the DSI fixes the query.</summary>
    Query,

    /// <summary>The database refuses the connection string (login, password, database name): the DSI fixes the secret.</summary>
    ConnectionRefused,
}

/// <summary>Maps provider errors to the connector's exceptions, in one place per engine.</summary>
internal static class SqlDocumentsFailureClassifier
{
    // SQL Server: network, timeout, throttling, failover, deadlock and lock-timeout errors, after Microsoft.Data.SqlClient's
    // configurable retry defaults and the Azure SQL transient error list.
    private static readonly HashSet<int> SqlServerTransient =
    [
        -2, -1, 2, 53, 64, 121, 233, 258, 701, 1204, 1205, 1222, 4060, 4221, 8628, 8645, 10053, 10054, 10060, 10061,
        10928, 10929, 11001, 40143, 40197, 40501, 40540, 40613, 42108, 42109, 49918, 49919, 49920,
    ];

    // SQL Server: the login is refused (18456 login failed, 18452 untrusted domain, 18470 disabled, 18486 locked out,
    // 18487/18488 password expired or must change); -2146893019: the server certificate is not trusted.
    private static readonly HashSet<int> SqlServerRefused = [18456, 18452, 18470, 18486, 18487, 18488, -2146893019];

    /// <summary>
    /// The exception to throw instead of <paramref name="error"/>, or <see langword="null"/> when it is not a database
    /// error and must propagate unchanged (cancellation, a <see cref="FileNotFoundException"/>, a bug).
    /// </summary>
    /// <param name="error">What the provider threw.</param>
    /// <param name="options">The instance, for the paths and to scrub the password.</param>
    /// <param name="queryPath">The path of the query being run.</param>
    /// <param name="cancellationToken">The caller's token: a provider error after it fired is a cancellation.</param>
    public static Exception? Map(Exception error, SqlDocumentsOptions options, string queryPath, CancellationToken cancellationToken)
    {
        if (error is OperationCanceledException || Classify(error) is not { } failure)
        {
            return null;
        }

        // SqlClient reports a cancelled command as a SqlException ("Operation cancelled by user").
        if (cancellationToken.IsCancellationRequested)
        {
            return new OperationCanceledException("La lecture de la gestion documentaire a été annulée.", error, cancellationToken);
        }

        var said = options.Scrub(ProviderMessage(error));
        return failure switch
        {
            SqlFailure.Unavailable => new DocumentSourceUnavailableException(
                $"La base de la gestion documentaire « {options.InstanceName} » ({options.ProviderDisplayName}) ne répond pas pour le moment : {said}",
                error),
            SqlFailure.Query => new DocumentSourceQueryException(
                queryPath,
                $"La base ({options.ProviderDisplayName}) refuse la requête {queryPath} : {said} Corrigez la requête configurée.",
                error),
            SqlFailure.ConnectionRefused => new ConnectorConfigurationException(
                options.ConnectionStringPath,
                $"La base ({options.ProviderDisplayName}) refuse la connexion du hub : {said} Vérifiez {options.ConnectionStringPath} "
                + "(serveur, base, compte, mot de passe)."),
            _ => throw new ArgumentOutOfRangeException(nameof(error)),
        };
    }

    /// <summary>What a provider error means, or <see langword="null"/> when it is not one.</summary>
    public static SqlFailure? Classify(Exception error) => error switch
    {
        SqlException e => SqlServer(e.Number, e.Class),
        PostgresException e => Postgres(e.SqlState),
        // Npgsql's own errors, not the server's: socket, timeout, TLS, pool exhausted.
        NpgsqlException => SqlFailure.Unavailable,
        SqliteException e => Sqlite(e.SqliteErrorCode),
        // SqlClient's sequential stream wraps a failed read in an IOException.
        IOException { InnerException: DbException inner } and not FileNotFoundException => Classify(inner),
        TimeoutException or SocketException => SqlFailure.Unavailable,
        _ => null,
    };

    public static SqlFailure SqlServer(int number, byte severity) => number switch
    {
        _ when SqlServerRefused.Contains(number) => SqlFailure.ConnectionRefused,
        _ when SqlServerTransient.Contains(number) => SqlFailure.Unavailable,
        // Severity 20 and above ends the connection (network, server error): nothing in the query can cause it.
        _ when severity >= 20 => SqlFailure.Unavailable,
        _ => SqlFailure.Query,
    };

    public static SqlFailure Postgres(string sqlState) => sqlState switch
    {
        // 28000 unknown role or no pg_hba entry, 28P01 wrong password, 3D000 unknown database.
        ['2', '8', ..] or PostgresErrorCodes.InvalidCatalogName => SqlFailure.ConnectionRefused,
        // 08 connection, 53 resources (too many connections), 57P0x shutdown/restart, 58 I/O, XX internal.
        ['0', '8', ..] or ['5', '3', ..] or ['5', '8', ..] or ['X', 'X', ..] => SqlFailure.Unavailable,
        PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow => SqlFailure.Unavailable,
        // statement_timeout, serialization failure, deadlock, lock_timeout.
        PostgresErrorCodes.QueryCanceled or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected
            or PostgresErrorCodes.LockNotAvailable => SqlFailure.Unavailable,
        // Syntax, unknown table or column (42…), missing grant (42501), a write in a read-only transaction (25006), data errors (22…).
        _ => SqlFailure.Query,
    };

    public static SqlFailure Sqlite(int errorCode) => errorCode switch
    {
        // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_NOMEM, SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN (the file or its share is missing), SQLITE_PROTOCOL.
        5 or 6 or 7 or 10 or 11 or 13 or 14 or 15 => SqlFailure.Unavailable,
        // SQLITE_AUTH, SQLITE_NOTADB: the connection string names something that is not this database.
        23 or 26 => SqlFailure.ConnectionRefused,
        // SQLITE_ERROR (syntax, no such table or column), SQLITE_READONLY (the query writes), SQLITE_MISMATCH, SQLITE_RANGE…
        _ => SqlFailure.Query,
    };

    /// <summary>
    /// Whether a database error on the read query means "no such document": the id cannot even be converted to the
    /// key's type (PostgreSQL 22P02 for <c>CAST(@id AS uuid)</c>; SQL Server 8169 uniqueidentifier, 245 int).
    /// </summary>
    public static bool IsUnconvertibleId(Exception error) => error switch
    {
        PostgresException e => e.SqlState == PostgresErrorCodes.InvalidTextRepresentation,
        SqlException e => e.Number is 8169 or 245,
        _ => false,
    };

    private static string ProviderMessage(Exception error)
    {
        var message = error is IOException { InnerException: DbException inner } ? inner.Message : error.Message;
        // Npgsql puts DETAIL and POSITION on lines of their own: one line reads better in a check's detail or a log.
        message = string.Join(' ', message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return message.EndsWith('.') ? message : message + ".";
    }
}
