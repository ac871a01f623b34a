using System.Buffers;
using System.Security.Cryptography;

namespace IntegrationHub.Documents.Storage;

/// <summary>
/// <see cref="IDocumentStore"/> on a local (or mounted) file system: content at <c>&lt;root&gt;/ab/cd/&lt;sha256&gt;</c>,
/// staged uploads under <c>&lt;root&gt;/.staging</c>, on the same volume so that a commit is an atomic move.
/// Committed files are read-only and never rewritten. Thread-safe; several processes may share the root.
/// </summary>
public sealed class FileSystemDocumentStore : IDocumentStore
{
    /// <summary>Folder of the store inside the hub's data directory.</summary>
    public const string DirectoryName = "documents";

    internal const string StagingDirectoryName = ".staging";

    // Below the large-object-heap threshold (85,000 bytes), like Stream.CopyTo's default.
    internal const int BufferSize = 81920;

    private const string StagingExtension = ".part";

    private readonly string _stagingDirectory;

    /// <param name="rootDirectory">The store's folder; created if missing.</param>
    public FileSystemDocumentStore(string rootDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootDirectory);
        RootDirectory = Path.GetFullPath(rootDirectory);
        _stagingDirectory = Path.Combine(RootDirectory, StagingDirectoryName);
        Directory.CreateDirectory(_stagingDirectory);
    }

    /// <summary>The store's folder, absolute.</summary>
    public string RootDirectory { get; }

    /// <summary>The store of the hub: <c>&lt;data directory&gt;/documents</c>.</summary>
    public static FileSystemDocumentStore InDataDirectory(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        return new FileSystemDocumentStore(Path.Combine(dataDirectory, DirectoryName));
    }

    public async Task<StagedBlob> StageAsync(Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        if (content.CanSeek && content.Length - content.Position > maxBytes)
        {
            throw new DocumentTooLargeException(maxBytes);
        }

        var stagingPath = Path.Combine(_stagingDirectory, Guid.NewGuid().ToString("N") + StagingExtension);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long total = 0;
            await using (var file = new FileStream(stagingPath, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
                // Writes are whole buffers already: a FileStream buffer would only copy them once more.
                BufferSize = 0,
            }))
            {
                while (true)
                {
                    // Fill the buffer before writing: request bodies arrive in small reads, the disk prefers large writes.
                    var filled = 0;
                    int read;
                    do
                    {
                        read = await content.ReadAsync(buffer.AsMemory(filled, BufferSize - filled), cancellationToken);
                        filled += read;
                        total += read;
                        if (total > maxBytes)
                        {
                            throw new DocumentTooLargeException(maxBytes);
                        }
                    }
                    while (read > 0 && filled < BufferSize);

                    if (filled == 0)
                    {
                        break;
                    }

                    hash.AppendData(buffer, 0, filled);
                    await file.WriteAsync(buffer.AsMemory(0, filled), cancellationToken);
                }

                // Durable before the caller records the document in the database: a crash must not leave a row
                // pointing to content still in the page cache.
                file.Flush(flushToDisk: true);
            }

            var sha256 = Convert.ToHexStringLower(hash.GetCurrentHash());
            return new StagedBlob(stagingPath, sha256, total, _ => Task.FromResult(Commit(stagingPath, sha256, total)));
        }
        catch
        {
            File.Delete(stagingPath);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public Stream? OpenRead(string sha256)
    {
        var path = ContentPath(sha256);
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize,
                FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public bool Exists(string sha256) => File.Exists(ContentPath(sha256));

    /// <summary>
    /// Deletes staged uploads last written before <paramref name="cutoff"/>: those a crashed process never committed
    /// nor disposed. Call it at startup with a cutoff well before now (a day), so uploads in progress on another
    /// node sharing the folder are left alone.
    /// </summary>
    /// <returns>How many files were deleted.</returns>
    public int DeleteStagingFilesOlderThan(DateTimeOffset cutoff)
    {
        var deleted = 0;
        foreach (var file in new DirectoryInfo(_stagingDirectory).EnumerateFiles("*" + StagingExtension))
        {
            if (file.LastWriteTimeUtc < cutoff.UtcDateTime)
            {
                file.Delete();
                deleted++;
            }
        }

        return deleted;
    }

    internal string ContentPath(string sha256)
    {
        Sha256Hex.ThrowIfInvalid(sha256, nameof(sha256));
        return Path.Combine(RootDirectory, sha256[..2], sha256[2..4], sha256);
    }

    private StoredBlob Commit(string stagingPath, string sha256, long size)
    {
        var destination = ContentPath(sha256);
        var blob = new StoredBlob(sha256, size);
        if (File.Exists(destination))
        {
            File.Delete(stagingPath);
            return blob;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        // Read-only before it gets its final name, so the stored file is never writable.
        File.SetAttributes(stagingPath, FileAttributes.ReadOnly);
        try
        {
            // Never overwrite: on Unix this is link + unlink, atomic; the loser of two identical commits gets an
            // IOException while the winner's file, with the same bytes, is already in place.
            File.Move(stagingPath, destination, overwrite: false);
        }
        catch (IOException) when (File.Exists(destination))
        {
            File.SetAttributes(stagingPath, FileAttributes.Normal);
            File.Delete(stagingPath);
        }

        return blob;
    }
}
