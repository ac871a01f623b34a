using System.Data;
using System.Data.Common;
using System.Globalization;
using Dapper;
using IntegrationHub.Plugins.Connectors;
using IntegrationHub.Plugins.Documents;
using Microsoft.Data.Sqlite;

namespace IntegrationHub.Connectors.SqlDocuments;

/// <summary>
/// An authority's document management read through configured queries: <c>searchQuery</c> lists documents,
/// <c>describeQuery</c> describes one, <c>readQuery</c> streams one document's content. Created by <see cref="SqlDocumentsConnectorType.CreateSource(ConnectorSettings)"/>.
/// </summary>
/// <remarks>
/// Failures: <see cref="DocumentSourceUnavailableException"/> (transient: the database cannot answer now),
/// <see cref="DocumentSourceQueryException"/> (permanent: a configured query is wrong, its path named),
/// <see cref="ConnectorConfigurationException"/> (permanent: the database refuses the connection string),
/// <see cref="FileNotFoundException"/> (no such document), <see cref="OperationCanceledException"/> (the caller cancelled).
/// </remarks>
public sealed class SqlDocumentSource : IDocumentSource
{
    /// <summary>The column names <c>searchQuery</c> must return, in this order of importance.</summary>
    internal static readonly IReadOnlyList<string> SearchColumns = ["id", "name", "media_type", "size", "modified_at"];

    /// <summary>The column <c>readQuery</c> must return first.</summary>
    internal const string ContentColumn = "content";

    private const string DefaultMediaType = "application/octet-stream";

    private readonly SqlDocumentsOptions _options;

    internal SqlDocumentSource(SqlDocumentsOptions options) => _options = options;

    /// <inheritdoc />
    /// <remarks>
    /// Runs <c>searchQuery</c> with <c>@query</c> (the trimmed text) and <c>@maxResults</c>, and keeps at most
    /// <c>maxResults</c> rows even when the query does not limit itself.
    /// </remarks>
    public async Task<IReadOnlyList<SourceDocument>> SearchAsync(string query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var connection = _options.CreateConnection();
        await using (connection)
        {
            try
            {
                await connection.OpenAsync(cancellationToken);
                return await SearchAsync(connection, transaction: null, query.Trim(), cancellationToken);
            }
            catch (Exception e) when (SqlDocumentsFailureClassifier.Map(e, _options, _options.SearchQueryPath, cancellationToken) is { } mapped)
            {
                throw mapped;
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Runs <c>describeQuery</c> with <c>@id</c>; it returns the same columns as <c>searchQuery</c>. Without
    /// <c>describeQuery</c> the source cannot name a document it did not list: <see cref="DocumentSourceQueryException"/>.
    /// </remarks>
    /// <exception cref="FileNotFoundException">No row for this id.</exception>
    public async Task<SourceDocument> DescribeAsync(string documentId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(documentId);
        var path = _options.DescribeQueryPath;
        if (_options.DescribeQuery is not { } sql)
        {
            throw new DocumentSourceQueryException(path,
                $"{path} n'est pas renseignée : sans elle, la gestion documentaire « {_options.InstanceName} » ne peut pas décrire un document pour qu'il soit joint à une séance.",
                innerException: null);
        }

        var connection = _options.CreateConnection();
        await using (connection)
        {
            try
            {
                await connection.OpenAsync(cancellationToken);
                var found = await ListAsync(connection, transaction: null, sql, new { id = documentId }, path, cancellationToken);
                return found is [var document, ..] ? document : throw NotFound(documentId, inner: null);
            }
            catch (Exception e) when (SqlDocumentsFailureClassifier.IsUnconvertibleId(e))
            {
                throw NotFound(documentId, e);
            }
            catch (Exception e) when (SqlDocumentsFailureClassifier.Map(e, _options, path, cancellationToken) is { } mapped)
            {
                throw mapped;
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Runs <c>readQuery</c> with <c>@id</c> in sequential access and returns the provider's stream over the
    /// <c>content</c> column: the document is never held whole in memory. The stream holds the connection until it
    /// is disposed; it cannot seek and has no length.
    /// </remarks>
    /// <exception cref="FileNotFoundException">No row for this id, or its content is NULL.</exception>
    public async Task<Stream> OpenAsync(string documentId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(documentId);
        var connection = _options.CreateConnection();
        var handedOver = false;
        try
        {
            await connection.OpenAsync(cancellationToken);
            var stream = await OpenAsync(connection, transaction: null, documentId, ownsConnection: true, cancellationToken);
            handedOver = true;
            return stream;
        }
        catch (Exception e) when (SqlDocumentsFailureClassifier.IsUnconvertibleId(e))
        {
            throw NotFound(documentId, e);
        }
        catch (Exception e) when (SqlDocumentsFailureClassifier.Map(e, _options, _options.ReadQueryPath, cancellationToken) is { } mapped)
        {
            throw mapped;
        }
        finally
        {
            if (!handedOver)
            {
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>Names the instance and its engine; never the connection string.</summary>
    /// <returns>For example <c>sql-documents « ged » (postgresql), …, chaîne de connexion ***</c>.</returns>
    public override string ToString() => _options.ToString();

    /// <summary>
    /// The connection check: both queries run for real in a transaction that is rolled back (read-only where the
    /// engine has such a thing), the search with an empty <c>@query</c>, the read on the first document found.
    /// </summary>
    internal async Task<ConnectionCheck> CheckAsync(CancellationToken cancellationToken)
    {
        var connection = _options.CreateConnection();
        await using (connection)
        {
            var path = _options.SearchQueryPath;
            try
            {
                await connection.OpenAsync(cancellationToken);
                await using var transaction = await SqlProviders.BeginReadOnlyTransactionAsync(
                    _options.Provider, connection, _options.CommandTimeoutSeconds, cancellationToken);
                var found = await SearchAsync(connection, transaction, "", cancellationToken);
                var summary = string.Create(
                    CultureInfo.InvariantCulture,
                    $"Connexion réussie à {_options.ProviderDisplayName} {connection.ServerVersion}, dans une transaction en lecture seule annulée ensuite : "
                    + $"la recherche sans critère renvoie {found.Count} document(s) (au plus {_options.MaxResults})");
                if (found is not [var first, ..])
                {
                    await transaction.RollbackAsync(cancellationToken);
                    return new ConnectionCheck(true, $"{summary}. La requête de lecture n'a pas pu être essayée faute de document.");
                }

                path = _options.ReadQueryPath;
                try
                {
                    var content = await OpenAsync(connection, transaction, first.Id, ownsConnection: false, cancellationToken);
                    await content.DisposeAsync();
                }
                catch (FileNotFoundException e)
                {
                    return new ConnectionCheck(false,
                        $"{summary}, mais {_options.ReadQueryPath} ne lit pas le premier, « {first.Name} » (id « {first.Id} ») : {e.Message} "
                        + "Les deux requêtes doivent utiliser le même identifiant.");
                }

                await transaction.RollbackAsync(cancellationToken);
                return new ConnectionCheck(true, $"{summary} ; le premier, « {first.Name} », s'ouvre en lecture continue.");
            }
            catch (Exception e) when (SqlDocumentsFailureClassifier.Map(e, _options, path, cancellationToken) is { } mapped)
            {
                throw mapped;
            }
        }
    }

    private Task<IReadOnlyList<SourceDocument>> SearchAsync(
        DbConnection connection, DbTransaction? transaction, string query, CancellationToken cancellationToken) =>
        ListAsync(connection, transaction, _options.SearchQuery, new { query, maxResults = _options.MaxResults }, _options.SearchQueryPath, cancellationToken);

    /// <summary>Runs a query returning <see cref="SearchColumns"/>; <paramref name="path"/> names it in errors.</summary>
    private async Task<IReadOnlyList<SourceDocument>> ListAsync(
        DbConnection connection, DbTransaction? transaction, string sql, object parameters, string path, CancellationToken cancellationToken)
    {
        var command = new CommandDefinition(sql, parameters, transaction, _options.CommandTimeoutSeconds, cancellationToken: cancellationToken);
        var reader = await connection.ExecuteReaderAsync(command);
        try
        {
            var ordinals = SearchOrdinals(reader, path);
            var documents = new List<SourceDocument>();
            while (documents.Count < _options.MaxResults && await reader.ReadAsync(cancellationToken))
            {
                documents.Add(ToDocument(reader, ordinals, path));
            }

            return documents;
        }
        finally
        {
            await DisposeAsync(reader);
        }
    }

    private async Task<DocumentContentStream> OpenAsync(
        DbConnection connection, DbTransaction? transaction, string documentId, bool ownsConnection, CancellationToken cancellationToken)
    {
        var command = new CommandDefinition(
            _options.ReadQuery, new { id = documentId }, transaction, _options.CommandTimeoutSeconds, cancellationToken: cancellationToken);
        var reader = await connection.ExecuteReaderAsync(command, CommandBehavior.SequentialAccess);
        Stream? content = null;
        try
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                throw NotFound(documentId, inner: null);
            }

            CheckContentColumns(reader);
            // Sequential access: columns are read in order, IsDBNull before the stream.
            if (await reader.IsDBNullAsync(0, cancellationToken))
            {
                throw new FileNotFoundException(
                    $"Le document « {documentId} » existe dans la gestion documentaire « {_options.InstanceName} » mais n'a pas de contenu.", documentId);
            }

            content = reader.GetStream(0);
            if (_options.Provider == SqlProvider.Sqlite && content is not SqliteBlob)
            {
                throw QueryProblem(
                    $"{_options.ReadQueryPath} doit renvoyer, après content, le rowid de la ligne (rowid ou sa clé INTEGER PRIMARY KEY) "
                    + "de la table qui contient content : sans lui, SQLite charge le document entier en mémoire. "
                    + "Exemple : SELECT contenu AS content, rowid FROM ged_documents WHERE doc_id = @id");
            }

            var stream = new DocumentContentStream(
                content,
                reader,
                (reader as IWrappedDataReader)?.Command,
                ownsConnection ? connection : null,
                (error, token) => SqlDocumentsFailureClassifier.Map(error, _options, _options.ReadQueryPath, token));
            content = null;
            reader = null;
            return stream;
        }
        finally
        {
            if (content is not null)
            {
                await content.DisposeAsync();
            }

            if (reader is not null)
            {
                await DisposeAsync(reader);
            }
        }
    }

    private void CheckContentColumns(DbDataReader reader)
    {
        // SQLite needs the rowid next to the content to stream it (see OpenAsync); the other engines stream by themselves.
        var expectedCount = _options.Provider == SqlProvider.Sqlite ? 2 : 1;
        var names = string.Join(", ", Enumerable.Range(0, reader.FieldCount).Select(reader.GetName));
        if (reader.FieldCount != expectedCount || !string.Equals(reader.GetName(0), ContentColumn, StringComparison.OrdinalIgnoreCase))
        {
            throw QueryProblem(_options.Provider == SqlProvider.Sqlite
                ? $"{_options.ReadQueryPath} doit renvoyer deux colonnes : content (binaire), puis le rowid de la ligne (reçu : {names})."
                : $"{_options.ReadQueryPath} doit renvoyer une seule colonne, binaire, nommée content (reçu : {names}).");
        }

        if (reader.GetFieldType(0) != typeof(byte[]))
        {
            throw QueryProblem(
                $"{_options.ReadQueryPath} doit renvoyer dans content une valeur binaire (varbinary, bytea, BLOB), pas {reader.GetDataTypeName(0)}.");
        }
    }

    private int[] SearchOrdinals(DbDataReader reader, string path)
    {
        var ordinals = new int[SearchColumns.Count];
        var missing = new List<string>();
        for (var column = 0; column < SearchColumns.Count; column++)
        {
            ordinals[column] = -1;
            for (var field = 0; field < reader.FieldCount; field++)
            {
                if (string.Equals(reader.GetName(field), SearchColumns[column], StringComparison.OrdinalIgnoreCase))
                {
                    ordinals[column] = field;
                    break;
                }
            }

            if (ordinals[column] < 0)
            {
                missing.Add(SearchColumns[column]);
            }
        }

        return missing.Count == 0
            ? ordinals
            : throw QueryProblem(
                $"{path} doit renvoyer les colonnes {string.Join(", ", SearchColumns)} (NULL permis sauf pour id) ; "
                + $"il manque : {string.Join(", ", missing)}. Nommez-les avec AS, par exemple « titre AS name ».",
                path: path);
    }

    private SourceDocument ToDocument(DbDataReader reader, int[] ordinals, string path)
    {
        var id = reader.IsDBNull(ordinals[0]) ? null : Text(reader.GetValue(ordinals[0]), "id", path);
        if (string.IsNullOrWhiteSpace(id))
        {
            throw QueryProblem($"{path} a renvoyé une ligne sans id.", path: path);
        }

        var name = reader.IsDBNull(ordinals[1]) ? null : Text(reader.GetValue(ordinals[1]), "name", path);
        var mediaType = reader.IsDBNull(ordinals[2]) ? null : Text(reader.GetValue(ordinals[2]), "media_type", path);
        long? size = reader.IsDBNull(ordinals[3]) ? null : Size(reader.GetValue(ordinals[3]), path);
        DateTimeOffset? modifiedAt = reader.IsDBNull(ordinals[4]) ? null : Instant(reader.GetValue(ordinals[4]), path);
        return new SourceDocument(
            id,
            string.IsNullOrWhiteSpace(name) ? id : name,
            string.IsNullOrWhiteSpace(mediaType) ? DefaultMediaType : mediaType.Trim(),
            size,
            modifiedAt);
    }

    private string Text(object value, string column, string path) => value switch
    {
        string text => text,
        Guid guid => guid.ToString("D"),
        IFormattable formattable and not (DateTime or DateTimeOffset) => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => throw WrongType(column, value, path),
    };

    private long Size(object value, string path)
    {
        try
        {
            return value switch
            {
                long n => n,
                int or short or byte or sbyte or uint or ushort or ulong or decimal => Convert.ToInt64(value, CultureInfo.InvariantCulture),
                double or float => checked((long)Convert.ToDouble(value, CultureInfo.InvariantCulture)),
                string text => long.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture),
                _ => throw WrongType("size", value, path),
            };
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw WrongType("size", value, path);
        }
    }

    // A date without an offset (SQL Server datetime2, PostgreSQL timestamp, SQLite text without offset) is taken as UTC.
    private DateTimeOffset Instant(object value, string path) => value switch
    {
        DateTimeOffset instant => instant,
        DateTime { Kind: DateTimeKind.Local } local => new DateTimeOffset(local.ToUniversalTime(), TimeSpan.Zero),
        DateTime dateTime => new DateTimeOffset(DateTime.SpecifyKind(dateTime, DateTimeKind.Utc), TimeSpan.Zero),
        string text when DateTimeOffset.TryParse(
            text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var parsed) => parsed,
        _ => throw WrongType("modified_at", value, path),
    };

    private DocumentSourceQueryException WrongType(string column, object value, string path) => QueryProblem(
        $"{path} renvoie dans {column} une valeur de type {value.GetType().Name} qui ne convient pas "
        + (column switch
        {
            "size" => "(attendu : un nombre entier d'octets).",
            "modified_at" => "(attendu : une date et heure).",
            _ => "(attendu : du texte ou un nombre).",
        }),
        path: path);

    private DocumentSourceQueryException QueryProblem(string message, string? path = null) =>
        new(path ?? _options.ReadQueryPath, message, innerException: null);

    private FileNotFoundException NotFound(string documentId, Exception? inner) => new(
        $"Document « {documentId} » introuvable dans la gestion documentaire « {_options.InstanceName} ».", documentId, inner);

    // Dapper's wrapped reader disposes its command only on synchronous Dispose: dispose both.
    private static async ValueTask DisposeAsync(DbDataReader reader)
    {
        var command = (reader as IWrappedDataReader)?.Command;
        try
        {
            await reader.DisposeAsync();
        }
        finally
        {
            command?.Dispose();
        }
    }
}
