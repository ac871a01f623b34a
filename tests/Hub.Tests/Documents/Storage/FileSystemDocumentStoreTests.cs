using System.Security.Cryptography;
using IntegrationHub.Documents.Storage;
using Xunit;

namespace IntegrationHub.Tests.Documents.Storage;

public sealed class FileSystemDocumentStoreTests : IDisposable
{
    private const int BufferSize = 81920;

    private readonly StoreDirectory _dir = new();

    private FileSystemDocumentStore Store => _dir.Store;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task StageAsync_SeveralBuffersOfBytes_HashAndSizeMatchSha256HashData()
    {
        var bytes = RandomBytes((3 * BufferSize) + 1234);

        await using var staged = await Store.StageAsync(new MemoryStream(bytes), long.MaxValue, CancellationToken.None);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), staged.Sha256);
        Assert.Equal(bytes.Length, staged.Size);
    }

    [Fact]
    public async Task StageAsync_NonSeekableStreamOfSmallReads_HashMatchesSha256HashData()
    {
        var source = new GeneratedStream((2 * BufferSize) + 17);
        var expected = ExpectedHash((2 * BufferSize) + 17);

        await using var staged = await Store.StageAsync(new SmallReadsStream(source, 1000), long.MaxValue, CancellationToken.None);

        Assert.Equal(expected, staged.Sha256);
    }

    [Fact]
    public async Task StageAsync_EmptyContent_StagesTheHashOfNothing()
    {
        await using var staged = await Store.StageAsync(new MemoryStream(), 10, CancellationToken.None);

        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", staged.Sha256);
        Assert.Equal(0, staged.Size);
    }

    [Fact]
    public async Task OpenRead_StagedBeforeCommit_GivesTheStagedBytes()
    {
        var bytes = RandomBytes(5000);
        await using var staged = await Store.StageAsync(new MemoryStream(bytes), long.MaxValue, CancellationToken.None);

        await using (var first = staged.OpenRead())
        {
            Assert.Equal(bytes, await ReadAllAsync(first));
        }

        await using var again = staged.OpenRead();
        Assert.True(again.CanSeek);
        Assert.Equal(bytes, await ReadAllAsync(again));
        Assert.False(Store.Exists(staged.Sha256));
    }

    [Fact]
    public async Task CommitAsync_NewContent_IsReadableSeekableAndReadOnlyAtItsHashPath()
    {
        var bytes = RandomBytes(BufferSize + 10);
        StoredBlob blob;
        await using (var staged = await Store.StageAsync(new MemoryStream(bytes), long.MaxValue, CancellationToken.None))
        {
            blob = await staged.CommitAsync(CancellationToken.None);
        }

        Assert.Equal(new StoredBlob(Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length), blob);
        Assert.True(Store.Exists(blob.Sha256));
        var path = _dir.ContentPath(blob.Sha256);
        Assert.Equal([path], _dir.ContentFiles());
        Assert.Empty(_dir.StagingFiles());
        Assert.True(File.GetAttributes(path).HasFlag(FileAttributes.ReadOnly));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(path) & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite));
        }

        await using var read = Store.OpenRead(blob.Sha256);
        Assert.NotNull(read);
        Assert.True(read.CanSeek);
        Assert.False(read.CanWrite);
        Assert.Equal(bytes.Length, read.Length);
        read.Position = 100;
        var part = new byte[10];
        await read.ReadExactlyAsync(part);
        Assert.Equal(bytes[100..110], part);
    }

    [Fact]
    public async Task CommitAsync_SameBytesTwice_StoresThemOnceAndLeavesNoStagingFile()
    {
        var bytes = RandomBytes(4096);

        var first = await StageAndCommitAsync(bytes);
        var second = await StageAndCommitAsync(bytes);

        Assert.Equal(first, second);
        Assert.Single(_dir.ContentFiles());
        Assert.Empty(_dir.StagingFiles());
    }

    [Fact]
    public async Task CommitAsync_ConcurrentIdenticalUploads_AllSucceedWithOneStoredCopy()
    {
        var bytes = RandomBytes((2 * BufferSize) + 5);
        const int Uploads = 16;
        // Staged first, then committed all at once, so that the commits race for the same final name.
        var staged = await Task.WhenAll(Enumerable.Range(0, Uploads).Select(_ =>
            Task.Run(() => Store.StageAsync(new MemoryStream(bytes), long.MaxValue, CancellationToken.None))));
        using var start = new ManualResetEventSlim();
        var commits = staged.Select(s => Task.Run(() =>
        {
            start.Wait();
            return s.CommitAsync(CancellationToken.None);
        })).ToArray();
        start.Set();

        var blobs = await Task.WhenAll(commits);
        foreach (var s in staged)
        {
            await s.DisposeAsync();
        }

        Assert.Single(blobs.Distinct());
        Assert.Single(_dir.ContentFiles());
        Assert.Empty(_dir.StagingFiles());
        await using var read = Store.OpenRead(blobs[0].Sha256);
        Assert.Equal(bytes, await ReadAllAsync(read!));
    }

    [Fact]
    public async Task DisposeAsync_WithoutCommit_LeavesNothingOnDisk()
    {
        var staged = await Store.StageAsync(new MemoryStream(RandomBytes(1000)), long.MaxValue, CancellationToken.None);
        Assert.Single(_dir.StagingFiles());

        await staged.DisposeAsync();

        Assert.Empty(_dir.StagingFiles());
        Assert.Empty(_dir.ContentFiles());
        Assert.False(Store.Exists(staged.Sha256));
    }

    [Fact]
    public async Task DisposeAsync_WhileAReaderIsOpen_StillDeletesTheStagingFile()
    {
        var staged = await Store.StageAsync(new MemoryStream(RandomBytes(1000)), long.MaxValue, CancellationToken.None);
        await using var reader = staged.OpenRead();

        await staged.DisposeAsync();

        Assert.Empty(_dir.StagingFiles());
    }

    [Fact]
    public async Task StageAsync_EndlessStream_StopsReadingJustPastTheLimitAndLeavesNothing()
    {
        const long Limit = 1024 * 1024;
        var endless = new GeneratedStream(long.MaxValue);

        var refused = await Assert.ThrowsAsync<DocumentTooLargeException>(() => Store.StageAsync(endless, Limit, CancellationToken.None));

        Assert.Equal(Limit, refused.LimitBytes);
        Assert.Equal("Le fichier dépasse la taille maximale autorisée (1 Mo).", refused.Message);
        Assert.InRange(endless.BytesRead, Limit + 1, Limit + BufferSize);
        Assert.Empty(_dir.StagingFiles());
        Assert.Empty(_dir.ContentFiles());
    }

    [Fact]
    public async Task StageAsync_SeekableStreamLongerThanTheLimit_IsRefusedBeforeReading()
    {
        var content = new MemoryStream(new byte[(20 * 1024 * 1024) + 1]);

        var refused = await Assert.ThrowsAsync<DocumentTooLargeException>(() => Store.StageAsync(content, 20 * 1024 * 1024, CancellationToken.None));

        Assert.Contains("20 Mo", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, content.Position);
        Assert.Empty(_dir.StagingFiles());
    }

    [Fact]
    public async Task StageAsync_ExactlyTheLimit_IsAccepted()
    {
        const int Limit = (2 * BufferSize) + 3;

        await using var staged = await Store.StageAsync(new GeneratedStream(Limit), Limit, CancellationToken.None);

        Assert.Equal(Limit, staged.Size);
    }

    [Fact]
    public async Task StageAsync_CancelledMidway_ThrowsAndLeavesNothing()
    {
        using var cancel = new CancellationTokenSource();
        var source = new GeneratedStream(long.MaxValue, onRead: read =>
        {
            if (read > 5 * BufferSize)
            {
                cancel.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.StageAsync(source, long.MaxValue, cancel.Token));

        Assert.Empty(_dir.StagingFiles());
        Assert.InRange(source.BytesRead, 5 * BufferSize, 7 * BufferSize);
    }

    [Fact]
    public async Task CommitAsync_Twice_IsRefused()
    {
        await using var staged = await Store.StageAsync(new MemoryStream([1, 2, 3]), 10, CancellationToken.None);
        await staged.CommitAsync(CancellationToken.None);

        await Assert.ThrowsAsync<InvalidOperationException>(() => staged.CommitAsync(CancellationToken.None));
        Assert.Throws<InvalidOperationException>(() => staged.OpenRead());
    }

    [Fact]
    public void OpenRead_UnknownHash_ReturnsNull()
    {
        var unknown = Convert.ToHexStringLower(SHA256.HashData("absent"u8));

        Assert.Null(Store.OpenRead(unknown));
        Assert.False(Store.Exists(unknown));
    }

    [Theory]
    [InlineData("../../../../etc/passwd")]
    [InlineData("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855")]
    [InlineData("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85")]
    [InlineData("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85/")]
    [InlineData("")]
    public void OpenRead_MalformedHash_ThrowsBeforeTouchingTheFileSystem(string sha256)
    {
        Assert.Throws<ArgumentException>(() => Store.OpenRead(sha256));
        Assert.Throws<ArgumentException>(() => Store.Exists(sha256));
    }

    [Fact]
    public async Task DeleteStagingFilesOlderThan_AbandonedAndFreshUploads_DeletesOnlyTheAbandoned()
    {
        var abandoned = await Store.StageAsync(new MemoryStream([1]), 10, CancellationToken.None);
        await using var fresh = await Store.StageAsync(new MemoryStream([2]), 10, CancellationToken.None);
        var files = _dir.StagingFiles();
        var freshTime = File.GetLastWriteTimeUtc(files[0]);
        var abandonedFile = files.Single(f => new FileInfo(f).Length == 1 && File.ReadAllBytes(f)[0] == 1);
        File.SetLastWriteTimeUtc(abandonedFile, freshTime.AddDays(-2));

        var deleted = Store.DeleteStagingFilesOlderThan(new DateTimeOffset(freshTime.AddDays(-1)));

        Assert.Equal(1, deleted);
        var left = Assert.Single(_dir.StagingFiles());
        Assert.Equal([2], File.ReadAllBytes(left));
        GC.KeepAlive(abandoned);
    }

    [Fact]
    public void InDataDirectory_Always_RootsTheStoreInItsDocumentsFolder()
    {
        var store = FileSystemDocumentStore.InDataDirectory(_dir.Root);

        Assert.Equal(Path.Combine(_dir.Root, "documents"), store.RootDirectory);
        Assert.True(Directory.Exists(Path.Combine(_dir.Root, "documents", ".staging")));
    }

    private async Task<StoredBlob> StageAndCommitAsync(byte[] bytes)
    {
        await using var staged = await Store.StageAsync(new MemoryStream(bytes), long.MaxValue, CancellationToken.None);
        return await staged.CommitAsync(CancellationToken.None);
    }

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }

    internal static string ExpectedHash(long length)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var block in GeneratedStream.Blocks(length))
        {
            hash.AppendData(block.Span);
        }

        return Convert.ToHexStringLower(hash.GetCurrentHash());
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    /// <summary>Hands out at most <c>size</c> bytes per read, like a request body arriving over the network.</summary>
    private sealed class SmallReadsStream(Stream inner, int size) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, size));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(buffer[..Math.Min(buffer.Length, size)], cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
