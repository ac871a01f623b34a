namespace IntegrationHub.Persistence;

/// <summary>The relational engines the hub runs on (<c>Hub:Database:Provider</c>).</summary>
public enum DatabaseProvider
{
    /// <summary>Embedded default: one file under the data directory.</summary>
    Sqlite,

    /// <summary>PostgreSQL, for hosting many authorities and several hub nodes.</summary>
    PostgreSql,

    /// <summary>SQL Server, for DSIs that already run it.</summary>
    SqlServer,
}

public static class DatabaseProviderNames
{
    public static DatabaseProvider Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "sqlite" => DatabaseProvider.Sqlite,
        "postgresql" or "postgres" or "npgsql" => DatabaseProvider.PostgreSql,
        "sqlserver" or "mssql" => DatabaseProvider.SqlServer,
        _ => throw new InvalidOperationException(
            $"Hub:Database:Provider has an unknown value '{value}'. Use 'sqlite', 'postgresql' or 'sqlserver'."),
    };

    public static string MigrationFolder(this DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Sqlite => "sqlite",
        DatabaseProvider.PostgreSql => "postgresql",
        DatabaseProvider.SqlServer => "sqlserver",
        _ => throw new ArgumentOutOfRangeException(nameof(provider)),
    };
}
