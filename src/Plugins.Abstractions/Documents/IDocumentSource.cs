namespace IntegrationHub.Plugins.Documents;

/// <summary>A system that already holds the authority's documents (for example its SQL Server document management).</summary>
/// <remarks>
/// Failures, which the hub turns into answers for the person asking: <see cref="DocumentSourceUnavailableException"/>
/// (transient: the source cannot answer now), <see cref="DocumentSourceQueryException"/> (permanent: the source's
/// configuration is wrong for it), <see cref="Connectors.ConnectorConfigurationException"/> (permanent: a setting is
/// missing or refused), <see cref="FileNotFoundException"/> (no such document), <see cref="OperationCanceledException"/>.
/// </remarks>
public interface IDocumentSource
{
    /// <summary>Lists documents matching a query, without their content.</summary>
    /// <param name="query">Free text or a reference, as the source understands it.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The documents found.</returns>
    Task<IReadOnlyList<SourceDocument>> SearchAsync(string query, CancellationToken cancellationToken);

    /// <summary>Describes one document (its name and type, which the hub keeps when it copies it), without its content.</summary>
    /// <param name="documentId">The source's id, as <see cref="SearchAsync"/> returned it.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The document.</returns>
    /// <exception cref="FileNotFoundException">The source has no document with this id.</exception>
    Task<SourceDocument> DescribeAsync(string documentId, CancellationToken cancellationToken);

    /// <summary>Opens a document's content as a stream, read once, in bounded memory.</summary>
    /// <param name="documentId">The source's id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The content; the caller disposes it.</returns>
    /// <exception cref="FileNotFoundException">The source has no document with this id, or it has no content.</exception>
    Task<Stream> OpenAsync(string documentId, CancellationToken cancellationToken);
}

/// <summary>A document as a source describes it.</summary>
/// <param name="Id">The source's id.</param>
/// <param name="Name">File name.</param>
/// <param name="MediaType">MIME type.</param>
/// <param name="Size">Size in bytes, when known.</param>
/// <param name="ModifiedAt">Last change, when known.</param>
public sealed record SourceDocument(string Id, string Name, string MediaType, long? Size, DateTimeOffset? ModifiedAt);
