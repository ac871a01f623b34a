namespace IntegrationHub.Documents.Storage;

/// <summary>
/// Bytes written aside by <see cref="IDocumentStore.StageAsync"/>, hashed but not yet stored. Read them as often as
/// needed with <see cref="OpenRead"/>, then <see cref="CommitAsync"/> them, or dispose this object to delete them.
/// Owned by one caller at a time: not meant to be shared between threads.
/// </summary>
public sealed class StagedBlob : IAsyncDisposable
{
    private readonly string _stagingPath;
    private readonly Func<CancellationToken, Task<StoredBlob>> _commit;
    private bool _committed;
    private bool _disposed;

    /// <param name="stagingPath">A local file holding exactly the staged bytes; this object deletes it unless committed.</param>
    /// <param name="sha256">SHA-256 of the bytes, lower-case hexadecimal.</param>
    /// <param name="size">Length of the bytes.</param>
    /// <param name="commit">
    /// Makes the bytes permanent and takes the staging file over (moves or deletes it); called at most once.
    /// Given by the store, so that an object store can stage locally and upload on commit.
    /// </param>
    public StagedBlob(string stagingPath, string sha256, long size, Func<CancellationToken, Task<StoredBlob>> commit)
    {
        ArgumentException.ThrowIfNullOrEmpty(stagingPath);
        Sha256Hex.ThrowIfInvalid(sha256, nameof(sha256));
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ArgumentNullException.ThrowIfNull(commit);
        _stagingPath = stagingPath;
        Sha256 = sha256;
        Size = size;
        _commit = commit;
    }

    /// <summary>SHA-256 of the staged bytes, 64 lower-case hexadecimal digits.</summary>
    public string Sha256 { get; }

    /// <summary>Length of the staged bytes.</summary>
    public long Size { get; }

    /// <summary>
    /// Opens the staged bytes from the start (seekable, asynchronous). Dispose it before <see cref="CommitAsync"/>;
    /// a stream still open keeps working on Unix, not necessarily on Windows.
    /// </summary>
    public Stream OpenRead()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_committed)
        {
            throw new InvalidOperationException("The staged bytes were committed: read them from the store.");
        }

        // FileShare.Delete: a reader left open must not stop the commit (a move) or the clean-up (a delete).
        return new FileStream(_stagingPath, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete,
            FileSystemDocumentStore.BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
    }

    /// <summary>
    /// Stores the bytes for good. When the store already holds the same bytes, the staged copy is just deleted.
    /// </summary>
    /// <exception cref="InvalidOperationException">Already committed.</exception>
    public async Task<StoredBlob> CommitAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_committed)
        {
            throw new InvalidOperationException("The staged bytes were already committed.");
        }

        var stored = await _commit(cancellationToken);
        _committed = true;
        return stored;
    }

    /// <summary>Deletes the staged bytes unless they were committed.</summary>
    public ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            if (!_committed)
            {
                File.Delete(_stagingPath);
            }
        }

        return ValueTask.CompletedTask;
    }
}
