using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using Dapper;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace IntegrationHub.Persistence;

/// <summary>
/// Opens connections to the hub's database. Every store goes through here, so the provider-specific parts
/// (connection set-up, the few dialect differences) stay in this folder.
/// </summary>
public sealed class HubDatabase : IDisposable
{
    // How long a SQLite write transaction waits for this process's writer turn (the driver's default command timeout).
    private static readonly TimeSpan SqliteWriterWait = TimeSpan.FromSeconds(30);

    // SQLite has one writer. Microsoft.Data.Sqlite answers a busy database by sleeping 150 ms on the calling thread and
    // retrying (SqliteDataReader.NextResult), so writers of this process racing for it lost 150 ms per collision and held
    // thread-pool threads while they slept: measured, 37 thread-seconds of such sleeps in a 22-second dispatch
    // (bench/README.md). Write transactions of this process now queue here, asynchronously, before BEGIN IMMEDIATE.
    // Two queues: a long write (a session's send, ≈ 50 ms for 30 members) waiting behind the short delivery
    // transactions rather than in front of them (SqliteWriterTurn).
    private readonly SqliteWriterTurn _sqliteWriter = new();
    private readonly AsyncLocal<bool> _holdsSqliteWriter = new();
    private readonly NpgsqlDataSource? _npgsql;
    private readonly long? _sqliteMaxBytes;
    private long? _sqliteMaxPages;

    // The native SQLite connections already given their PRAGMAs (see ConfigureSqliteAsync); weak, so a handle the pool
    // closes is forgotten with it.
    private readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> _sqliteConfigured = [];

    /// <param name="provider">The database kind.</param>
    /// <param name="connectionString">Where it is.</param>
    /// <param name="sqliteMaxBytes">For SQLite, the most the file may hold (<c>Hub:Database:SqliteMaxSizeMegabytes</c>).</param>
    public HubDatabase(DatabaseProvider provider, string connectionString, long? sqliteMaxBytes = null)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _sqliteMaxBytes = sqliteMaxBytes;
        if (provider == DatabaseProvider.PostgreSql)
        {
            _npgsql = NpgsqlDataSource.Create(WithAutoPrepare(connectionString));
        }
        DapperTypeHandlers.EnsureRegistered();
    }

    public DatabaseProvider Provider { get; }

    /// <summary>
    /// Turns on Npgsql's automatic preparation unless the connection string says otherwise: Dapper never prepares, so
    /// without it PostgreSQL parses and plans every statement of every delivery again (bench/README.md, Dispatch). A
    /// statement run <c>Auto Prepare Min Usages</c> times on a physical connection is prepared there, up to
    /// <c>Max Auto Prepare</c> per connection (least used evicted). Left alone when the caller set either key (e.g.
    /// 0 behind a transaction-mode PgBouncer, which cannot keep prepared statements).
    /// </summary>
    internal static string WithAutoPrepare(string connectionString)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var keys = given.Keys.Cast<string>().Select(k => k.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant()).ToHashSet();
        if (keys.Contains("MAXAUTOPREPARE") || keys.Contains("AUTOPREPAREMINUSAGES"))
        {
            return connectionString;
        }
        return new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = 64, AutoPrepareMinUsages = 2 }.ConnectionString;
    }

    public string ConnectionString { get; }

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        DbConnection connection = Provider switch
        {
            DatabaseProvider.Sqlite => new SqliteConnection(ConnectionString),
            DatabaseProvider.PostgreSql => _npgsql!.CreateConnection(),
            DatabaseProvider.SqlServer => new SqlConnection(ConnectionString),
            _ => throw new InvalidOperationException($"Unknown provider {Provider}."),
        };
        try
        {
            await connection.OpenAsync(cancellationToken);
            if (connection is SqliteConnection sqlite && _sqliteConfigured.TryAdd(sqlite.Handle!, true))
            {
                await ConfigureSqliteAsync(sqlite, cancellationToken);
            }
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The PRAGMAs below hold for the life of a SQLite connection, and a pooled connection keeps its native handle when
    /// it goes back to the pool: they run once per handle, not at every open (profiled: 0.8 % of the hub's CPU during a
    /// dispatch, three statements parsed per open). Code that changes one of them on a connection sets it back before
    /// releasing it (<see cref="SchemaMigrator"/>, foreign keys).
    /// </summary>
    private async Task ConfigureSqliteAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            // WAL lets the API read while a dispatch writes; foreign keys are off by default in SQLite.
            await using var pragma = connection.CreateCommand();
            // busy_timeout: a writer outside this process (or an autocommit write here) waits inside SQLite, which
            // retries within milliseconds, instead of failing to the driver's 150 ms sleep at once.
            pragma.CommandText = "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;";
            await pragma.ExecuteNonQueryAsync(cancellationToken);
            if (_sqliteMaxBytes is { } maxBytes)
            {
                // max_page_count is per connection. A write that would grow the file past it fails with SQLITE_FULL,
                // the error a full disk gives, and its transaction rolls back whole.
                pragma.CommandText = "PRAGMA page_size;";
                _sqliteMaxPages ??= maxBytes / Convert.ToInt64(await pragma.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
                pragma.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA max_page_count = {_sqliteMaxPages};");
                await pragma.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        catch
        {
            // Not configured after all: the next open of this handle tries again.
            _sqliteConfigured.Remove(connection.Handle!);
            throw;
        }
    }

    /// <summary>Runs <paramref name="work"/> in one transaction, committed only if it returns normally.</summary>
    public Task<T> InTransactionAsync<T>(
        Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken = default) =>
        InTransactionAsync(work, bulk: false, cancellationToken);

    /// <summary>
    /// <see cref="InTransactionAsync{T}(Func{DbConnection, DbTransaction, Task{T}}, CancellationToken)"/> for a long
    /// write (a session's send and its outbox): on SQLite it lets queued short transactions go first, within a bound.
    /// </summary>
    public Task<T> InBulkTransactionAsync<T>(
        Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken = default) =>
        InTransactionAsync(work, bulk: true, cancellationToken);

    private async Task<T> InTransactionAsync<T>(
        Func<DbConnection, DbTransaction, Task<T>> work, bool bulk, CancellationToken cancellationToken)
    {
        if (Provider != DatabaseProvider.Sqlite || _holdsSqliteWriter.Value)
        {
            // A transaction opened inside another one's work keeps the old behaviour (SQLite's own lock) instead of
            // waiting on this process's writer turn, which its caller holds.
            return await RunInTransactionAsync(work, cancellationToken);
        }
        // Bounded like a command: if a holder ever hangs, the others fall back to SQLite's own locking.
        var turn = await _sqliteWriter.WaitAsync(bulk, SqliteWriterWait, cancellationToken);
        try
        {
            _holdsSqliteWriter.Value = true;
            return await RunInTransactionAsync(work, cancellationToken);
        }
        finally
        {
            _holdsSqliteWriter.Value = false;
            if (turn)
            {
                _sqliteWriter.Release();
            }
        }
    }

    private async Task<T> RunInTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        var result = await work(connection, transaction);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    public Task InTransactionAsync(Func<DbConnection, DbTransaction, Task> work, CancellationToken cancellationToken = default) =>
        InTransactionAsync<bool>(async (c, t) => { await work(c, t); return true; }, bulk: false, cancellationToken);

    /// <inheritdoc cref="InBulkTransactionAsync{T}"/>
    public Task InBulkTransactionAsync(Func<DbConnection, DbTransaction, Task> work, CancellationToken cancellationToken = default) =>
        InTransactionAsync<bool>(async (c, t) => { await work(c, t); return true; }, bulk: true, cancellationToken);

    /// <summary>
    /// One write statement in a transaction of its own, through <see cref="InTransactionAsync{T}(Func{DbConnection, DbTransaction, Task{T}}, CancellationToken)"/> so that on SQLite it
    /// takes this process's writer turn: written in autocommit, it would meet a long dispatch's write transactions at
    /// SQLite's <c>busy_timeout</c> (5 s) and fail after it. Returns the number of rows the statement changed.
    /// </summary>
    public Task<int> ExecuteWriteAsync(string sql, object? parameters, CancellationToken cancellationToken = default) =>
        InTransactionAsync(
            (connection, transaction) => connection.ExecuteAsync(new CommandDefinition(sql, parameters, transaction, cancellationToken: cancellationToken)),
            cancellationToken);

    /// <summary>
    /// "<paramref name="column"/> is one of the list <c>@<paramref name="parameter"/></c>": Dapper expands a list into
    /// <c>(@p1, @p2 …)</c> for SQLite and SQL Server, but hands it to Npgsql whole, as an array, which needs <c>= ANY</c>.
    /// </summary>
    public string IsOneOf(string column, string parameter) =>
        Provider == DatabaseProvider.PostgreSql ? $"{column} = ANY(@{parameter})" : $"{column} IN @{parameter}";

    /// <summary>
    /// The parameters object of an <see cref="IsOneOf"/> condition on ids, <c>@ids</c>. Dapper expands a list without the
    /// Guid type handler, so SQLite (ids stored as text) gets their text form, the other providers Guids.
    /// </summary>
    public object IdsParameter(IEnumerable<Guid> ids) => Provider == DatabaseProvider.Sqlite
        ? new { ids = ids.Select(id => id.ToString("D")).ToArray() }
        : new { ids = ids.ToArray() };

    /// <summary>The statement broke a unique constraint or unique index (the database refused a duplicate).</summary>
    public static bool IsUniqueViolation(DbException exception) => exception switch
    {
        PostgresException e => e.SqlState == PostgresErrorCodes.UniqueViolation,
        // SQLITE_CONSTRAINT_UNIQUE (2067) and SQLITE_CONSTRAINT_PRIMARYKEY (1555) are both reported with code 19.
        SqliteException e => e.SqliteExtendedErrorCode is 2067 or 1555,
        SqlException e => e.Number is 2627 or 2601,
        _ => false,
    };

    public void Dispose()
    {
        _npgsql?.Dispose();
    }
}
