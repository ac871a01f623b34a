using Xunit.Abstractions;

namespace IntegrationHub.Connectors.SqlDocuments.Tests;

/// <summary>A 20 MB document goes through <see cref="SqlDocumentSource.OpenAsync"/> without ever being held whole.</summary>
[Collection(StreamingTestsRunAlone.Name)]
public sealed class StreamingTests : IClassFixture<PostgresGed>, IClassFixture<SqliteGed>
{
    public const int LargeSize = 20 * 1024 * 1024;
    public const long AllocationBound = 8 * 1024 * 1024;

    private readonly PostgresGed _postgres;
    private readonly SqliteGed _sqlite;
    private readonly ITestOutputHelper _output;

    public StreamingTests(PostgresGed postgres, SqliteGed sqlite, ITestOutputHelper output)
    {
        _postgres = postgres;
        _sqlite = sqlite;
        _output = output;
    }

    public static GedDocument LargeDocument() => new(
        Guid.NewGuid(), "Recueil des actes administratifs 2026 (numérisé).pdf", "application/pdf",
        new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero), GedData.Bytes(20, LargeSize));

    [Fact]
    public async Task OpenAsync_Postgres20MegabyteDocument_StreamsInBoundedMemory()
    {
        var document = LargeDocument();
        await _postgres.InsertAsync(document);
        var source = new SqlDocumentsConnectorType().CreateSource(_postgres.Settings());

        await AssertStreamsInBoundedMemoryAsync(source, document, _output);
    }

    [Fact]
    public async Task OpenAsync_Sqlite20MegabyteDocument_StreamsInBoundedMemory()
    {
        var document = LargeDocument();
        await _sqlite.InsertAsync(document);
        var source = new SqlDocumentsConnectorType().CreateSource(_sqlite.Settings());

        await AssertStreamsInBoundedMemoryAsync(source, document, _output);
    }

    internal static async Task AssertStreamsInBoundedMemoryAsync(Plugins.Documents.IDocumentSource source, GedDocument document, ITestOutputHelper output)
    {
        var expected = GedData.Sha256(document.Content!);
        var buffer = new byte[StreamReading.ChunkSize];
        // Warm up: pool the connection, JIT the code paths, so that the measure counts the document only.
        await using (var warmUp = await source.OpenAsync(document.IdText, CancellationToken.None))
        {
            await StreamReading.HashAsync(warmUp, buffer);
        }

        var before = GC.GetTotalAllocatedBytes(precise: true);
        (string Sha256, long Length) read;
        await using (var stream = await source.OpenAsync(document.IdText, CancellationToken.None))
        {
            read = await StreamReading.HashAsync(stream, buffer);
        }

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        output.WriteLine($"{source}: {read.Length:N0} bytes read in {StreamReading.ChunkSize / 1024} KB chunks, {allocated:N0} bytes allocated.");

        Assert.Equal(LargeSize, read.Length);
        Assert.Equal(expected, read.Sha256);
        Assert.True(allocated < AllocationBound, $"reading {LargeSize:N0} bytes allocated {allocated:N0} bytes (bound {AllocationBound:N0})");
    }
}
