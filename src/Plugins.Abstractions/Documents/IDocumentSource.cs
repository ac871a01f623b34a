namespace IntegrationHub.Plugins.Documents;

/// <summary>A system that already holds the authority's documents (for example its SQL Server document management).</summary>
public interface IDocumentSource
{
    /// <summary>Lists documents matching a query, without their content.</summary>
    /// <param name="query">Free text or a reference, as the source understands it.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The documents found.</returns>
    Task<IReadOnlyList<SourceDocument>> SearchAsync(string query, CancellationToken cancellationToken);

    /// <summary>Opens a document's content as a stream, read once, in bounded memory.</summary>
    /// <param name="documentId">The source's id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The content; the caller disposes it.</returns>
    Task<Stream> OpenAsync(string documentId, CancellationToken cancellationToken);
}

/// <summary>A document as a source describes it.</summary>
/// <param name="Id">The source's id.</param>
/// <param name="Name">File name.</param>
/// <param name="MediaType">MIME type.</param>
/// <param name="Size">Size in bytes, when known.</param>
/// <param name="ModifiedAt">Last change, when known.</param>
public sealed record SourceDocument(string Id, string Name, string MediaType, long? Size, DateTimeOffset? ModifiedAt);
