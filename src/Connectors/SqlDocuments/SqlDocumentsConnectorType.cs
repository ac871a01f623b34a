using System.Globalization;
using IntegrationHub.Plugins.Channels;
using IntegrationHub.Plugins.Connectors;
using IntegrationHub.Plugins.Documents;

namespace IntegrationHub.Connectors.SqlDocuments;

/// <summary>
/// Documents kept in the authority's own document management database (SQL Server, PostgreSQL or SQLite), found and
/// read through two SELECT queries the DSI writes for its schema. It delivers nothing: the hub asks it for an
/// <see cref="IDocumentSource"/> with <see cref="CreateSource(ConnectorSettings)"/>.
/// </summary>
public sealed class SqlDocumentsConnectorType : IConnectorType, IDocumentSourceProvider
{
    /// <summary>The type id.</summary>
    public const string Id = "sql-documents";

    /// <summary>Setting: the engine, <c>sqlserver</c> (default), <c>postgresql</c> or <c>sqlite</c>.</summary>
    public const string ProviderKey = "provider";

    /// <summary>
    /// Setting (required): one SELECT using <c>@query</c> (the searched text; <c>@maxResults</c> may be used too) and
    /// returning the columns <c>id</c>, <c>name</c>, <c>media_type</c>, <c>size</c>, <c>modified_at</c>.
    /// </summary>
    public const string SearchQueryKey = "searchQuery";

    /// <summary>
    /// Setting (required): one SELECT using <c>@id</c> and returning one row whose first column, <c>content</c>, is
    /// the document's bytes (on SQLite followed by the row's <c>rowid</c>, without which SQLite cannot stream).
    /// </summary>
    public const string ReadQueryKey = "readQuery";

    /// <summary>
    /// Setting (needed to attach a document to a session): one SELECT using <c>@id</c> and returning the same columns
    /// as <see cref="SearchQueryKey"/> for that document.
    /// </summary>
    public const string DescribeQueryKey = "describeQuery";

    /// <summary>Setting: the most documents a search returns (default <see cref="DefaultMaxResults"/>, 1 to 1000).</summary>
    public const string MaxResultsKey = "maxResults";

    /// <summary>Setting: how long a query may wait for the database, in seconds (default <see cref="DefaultCommandTimeoutSeconds"/>, 1 to 600).</summary>
    public const string CommandTimeoutKey = "commandTimeout";

    /// <summary>Secret (required): the provider's connection string, for a login that can only read.</summary>
    public const string ConnectionStringKey = "connectionString";

    /// <summary>The default engine.</summary>
    public const string DefaultProvider = SqlProviders.SqlServerName;

    /// <summary>The default for <see cref="MaxResultsKey"/>.</summary>
    public const int DefaultMaxResults = 50;

    /// <summary>The default for <see cref="CommandTimeoutKey"/>.</summary>
    public const int DefaultCommandTimeoutSeconds = 30;

    private const string IdHint = "l'identifiant renvoyé par la recherche, par exemple WHERE doc_id = @id";

    private const int MaxMaxResults = 1000;
    private const int MaxCommandTimeoutSeconds = 600;

    private static readonly IReadOnlyList<ConnectorSettingDefinition> Schema =
    [
        new(ProviderKey, "Moteur de la base : sqlserver, postgresql ou sqlite", SettingKind.Choice,
            DefaultValue: DefaultProvider, AllowedValues: SqlProviders.Names),
        new(SearchQueryKey,
            "Requête de recherche : un SELECT utilisant @query et renvoyant les colonnes id, name, media_type, size, modified_at",
            Required: true),
        new(ReadQueryKey,
            "Requête de lecture : un SELECT utilisant @id et renvoyant une ligne avec la colonne binaire content (SQLite : suivie du rowid)",
            Required: true),
        new(DescribeQueryKey,
            "Requête de description : un SELECT utilisant @id et renvoyant, pour ce document, les colonnes de la recherche (nécessaire pour joindre un document à une séance)"),
        new(MaxResultsKey, "Nombre maximal de documents renvoyés par une recherche", SettingKind.WholeNumber,
            DefaultValue: DefaultMaxResults.ToString(CultureInfo.InvariantCulture)),
        new(CommandTimeoutKey, "Délai d'attente d'une requête, en secondes", SettingKind.WholeNumber,
            DefaultValue: DefaultCommandTimeoutSeconds.ToString(CultureInfo.InvariantCulture)),
        new(ConnectionStringKey, "Chaîne de connexion à la base, avec un compte en lecture seule", Required: true, Secret: true),
    ];

    /// <inheritdoc />
    public string TypeId => Id;

    /// <inheritdoc />
    public string DisplayName => "Gestion documentaire (base SQL)";

    /// <inheritdoc />
    public RecipientAddress Address => RecipientAddress.None;

    /// <inheritdoc />
    public IReadOnlyList<ConnectorSettingDefinition> Settings => Schema;

    /// <inheritdoc />
    /// <remarks>
    /// The queries are checked to be one SELECT (or WITH … SELECT) using their parameter, without <c>;</c> batches nor
    /// words that change data. This guards against mistakes, not against a hostile administrator: the login in the
    /// connection string must be allowed to read only.
    /// </remarks>
    public IReadOnlyList<ConnectorSettingError> Validate(ConnectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var errors = new List<ConnectorSettingError>();

        var providerName = settings.Get(ProviderKey) ?? DefaultProvider;
        var knownProvider = SqlProviders.TryParse(providerName, out var provider);
        if (!knownProvider)
        {
            errors.Add(new(ProviderKey, $"provider doit valoir {string.Join(", ", SqlProviders.Names)} (reçu : « {providerName} »)."));
        }

        CheckQuery(settings, errors, SearchQueryKey, "query", "le texte recherché, par exemple WHERE titre LIKE '%' + @query + '%'");
        CheckQuery(settings, errors, ReadQueryKey, "id", IdHint);
        if (settings.Get(DescribeQueryKey) is not null)
        {
            CheckQuery(settings, errors, DescribeQueryKey, "id", IdHint);
        }
        CheckWholeNumber(settings, errors, MaxResultsKey, MaxMaxResults);
        CheckWholeNumber(settings, errors, CommandTimeoutKey, MaxCommandTimeoutSeconds);

        if (settings.GetSecret(ConnectionStringKey) is not { } connectionString)
        {
            errors.Add(new(ConnectionStringKey,
                "connectionString est obligatoire : la chaîne de connexion à la base de la gestion documentaire, avec un compte en lecture seule."));
        }
        else if (knownProvider && SqlProviders.CheckConnectionString(provider, connectionString) is { } problem)
        {
            errors.Add(new(ConnectionStringKey, problem));
        }

        return errors;
    }

    /// <inheritdoc />
    /// <returns>Always <see langword="null"/>: this type delivers no message; see <see cref="CreateSource(ConnectorSettings)"/>.</returns>
    public IChannel? CreateChannel(ConnectorSettings settings, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(services);
        return null;
    }

    /// <summary>Creates the document source of one configured instance. Cheap: it opens no connection.</summary>
    /// <param name="settings">The instance's settings.</param>
    /// <returns>The source; each call of it opens (and pools) its own connection.</returns>
    /// <exception cref="ConnectorConfigurationException">A setting is missing or invalid; the exception's path names it.</exception>
    public IDocumentSource CreateSource(ConnectorSettings settings) => new SqlDocumentSource(Read(settings));

    /// <inheritdoc />
    public IDocumentSource CreateSource(ConnectorSettings settings, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return CreateSource(settings);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Opens a connection and, in a transaction that is always rolled back (read-only on PostgreSQL, on a read-only
    /// connection with SQLite), runs <c>searchQuery</c> with an empty <c>@query</c>, then opens the first document found
    /// with <c>readQuery</c> without reading it. The detail reports the count, in French, and never the connection string.
    /// </remarks>
    public async Task<ConnectionCheck> TestAsync(ConnectorSettings settings, IServiceProvider services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(services);
        var errors = Validate(settings);
        if (errors.Count > 0)
        {
            return new ConnectionCheck(false, "Paramètres invalides : " + string.Join(" ", errors.Select(e => e.Message).Distinct(StringComparer.Ordinal)));
        }

        try
        {
            return await new SqlDocumentSource(Read(settings)).CheckAsync(cancellationToken);
        }
        catch (Exception e) when (e is DocumentSourceUnavailableException or DocumentSourceQueryException or ConnectorConfigurationException)
        {
            return new ConnectionCheck(false, e.Message);
        }
    }

    private SqlDocumentsOptions Read(ConnectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var searchQuery = settings.Require(SearchQueryKey);
        var readQuery = settings.Require(ReadQueryKey);
        var connectionString = settings.RequireSecret(ConnectionStringKey);
        if (Validate(settings) is [var first, ..])
        {
            var path = settings.PathOf(first.Key, secret: first.Key == ConnectionStringKey);
            throw new ConnectorConfigurationException(path, $"{path} est invalide : {first.Message}");
        }

        // Validate accepted the name.
        var provider = SqlProviders.TryParse(settings.Get(ProviderKey) ?? DefaultProvider, out var parsed)
            ? parsed
            : throw new InvalidOperationException("provider was validated.");
        return new SqlDocumentsOptions(
            settings,
            provider,
            connectionString,
            searchQuery,
            readQuery,
            settings.Get(DescribeQueryKey),
            settings.GetInt32(MaxResultsKey, DefaultMaxResults),
            settings.GetInt32(CommandTimeoutKey, DefaultCommandTimeoutSeconds));
    }

    private static void CheckQuery(ConnectorSettings settings, List<ConnectorSettingError> errors, string key, string parameter, string hint)
    {
        if (settings.Get(key) is not { } sql)
        {
            errors.Add(new(key, $"{key} est obligatoire : un SELECT utilisant @{parameter}, {hint}."));
        }
        else if (SqlStatementGuard.Check(key, sql, parameter) is { } problem)
        {
            errors.Add(new(key, problem));
        }
    }

    private static void CheckWholeNumber(ConnectorSettings settings, List<ConnectorSettingError> errors, string key, int max)
    {
        if (settings.Get(key) is { } text
            && (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < 1 || value > max))
        {
            errors.Add(new(key, string.Create(CultureInfo.InvariantCulture, $"{key} doit être un nombre entier de 1 à {max} (reçu : « {text} »).")));
        }
    }
}
