using System.Data.Common;
using IntegrationHub.Plugins.Connectors;

namespace IntegrationHub.Connectors.SqlDocuments;

/// <summary>One instance's settings, validated. <see cref="ToString"/> never shows the connection string.</summary>
internal sealed class SqlDocumentsOptions
{
    public SqlDocumentsOptions(
        ConnectorSettings settings,
        SqlProvider provider,
        string connectionString,
        string searchQuery,
        string readQuery,
        string? describeQuery,
        int maxResults,
        int commandTimeoutSeconds)
    {
        InstanceName = settings.InstanceName;
        Provider = provider;
        ConnectionString = connectionString;
        SearchQuery = searchQuery;
        ReadQuery = readQuery;
        DescribeQuery = describeQuery;
        MaxResults = maxResults;
        CommandTimeoutSeconds = commandTimeoutSeconds;
        SearchQueryPath = settings.PathOf(SqlDocumentsConnectorType.SearchQueryKey);
        ReadQueryPath = settings.PathOf(SqlDocumentsConnectorType.ReadQueryKey);
        DescribeQueryPath = settings.PathOf(SqlDocumentsConnectorType.DescribeQueryKey);
        ConnectionStringPath = settings.PathOf(SqlDocumentsConnectorType.ConnectionStringKey, secret: true);
        Password = SqlProviders.PasswordOf(provider, connectionString);
    }

    public string InstanceName { get; }

    public SqlProvider Provider { get; }

    public string ConnectionString { get; }

    public string SearchQuery { get; }

    public string ReadQuery { get; }

    /// <summary>Optional: without it, <see cref="SqlDocumentSource.DescribeAsync"/> refuses.</summary>
    public string? DescribeQuery { get; }

    public int MaxResults { get; }

    public int CommandTimeoutSeconds { get; }

    public string SearchQueryPath { get; }

    public string ReadQueryPath { get; }

    public string DescribeQueryPath { get; }

    public string ConnectionStringPath { get; }

    /// <summary>The password, only to scrub it from provider messages.</summary>
    public string? Password { get; }

    public string ProviderDisplayName => SqlProviders.DisplayName(Provider);

    public DbConnection CreateConnection() => SqlProviders.CreateConnection(Provider, ConnectionString);

    /// <summary>A provider's message, with the password removed should a provider ever echo it.</summary>
    public string Scrub(string message) =>
        Password is { Length: >= 3 } password ? message.Replace(password, "***", StringComparison.Ordinal) : message;

    public override string ToString() =>
        $"sql-documents « {InstanceName} » ({SqlProviders.NameOf(Provider)}), {MaxResults} résultats au plus, délai {CommandTimeoutSeconds} s, chaîne de connexion ***";
}
