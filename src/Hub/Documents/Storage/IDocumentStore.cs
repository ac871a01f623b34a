namespace IntegrationHub.Documents.Storage;

/// <summary>
/// Content-addressed storage of document bytes: the same bytes are kept once, under their SHA-256. Uploads go through
/// two steps so nothing unchecked becomes visible: <see cref="StageAsync"/> writes the bytes aside while hashing them,
/// the caller checks them (<see cref="StagedBlob.OpenRead"/>: file signature, antivirus), then either commits them
/// (<see cref="StagedBlob.CommitAsync"/>) or disposes the <see cref="StagedBlob"/>, which forgets them.
/// Implementations are thread-safe.
/// </summary>
public interface IDocumentStore
{
    /// <summary>
    /// Copies <paramref name="content"/> to a staging area in bounded memory, computing its SHA-256 on the way.
    /// Reading stops as soon as more than <paramref name="maxBytes"/> bytes have arrived.
    /// </summary>
    /// <param name="content">Read once, from its current position to its end; not disposed.</param>
    /// <param name="maxBytes">Largest accepted size; exactly this many bytes are accepted.</param>
    /// <param name="cancellationToken">Cancels the copy; nothing is left behind.</param>
    /// <returns>The staged bytes; the caller disposes them (which deletes them unless committed).</returns>
    /// <exception cref="DocumentTooLargeException">More than <paramref name="maxBytes"/> bytes; nothing is left behind.</exception>
    Task<StagedBlob> StageAsync(Stream content, long maxBytes, CancellationToken cancellationToken);

    /// <summary>Opens committed content for reading (seekable), or returns <see langword="null"/> when absent.</summary>
    /// <param name="sha256">The content's hash, 64 lower-case hexadecimal digits.</param>
    /// <exception cref="ArgumentException"><paramref name="sha256"/> is not such a hash (see <see cref="Sha256Hex.IsValid"/>).</exception>
    Stream? OpenRead(string sha256);

    /// <summary>Whether content with this hash was committed.</summary>
    /// <param name="sha256">The content's hash, 64 lower-case hexadecimal digits.</param>
    /// <exception cref="ArgumentException"><paramref name="sha256"/> is not such a hash.</exception>
    bool Exists(string sha256);
}
