using Xunit;

namespace IntegrationHub.Tests.Documents.Storage;

/// <summary>
/// Allocations are counted process-wide (<see cref="GC.GetTotalAllocatedBytes"/>): the measuring test runs alone, in a
/// collection that xunit never runs in parallel with any other.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationMeasurementGroup
{
    public const string Name = "allocation measurement";
}

[Collection(AllocationMeasurementGroup.Name)]
public sealed class StagingMemoryTests : IDisposable
{
    private const long Size = 256L * 1024 * 1024;
    private const long AllocationBudget = 16L * 1024 * 1024;

    private readonly StoreDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task StageAsync_256MegabyteStream_AllocatesUnder16Megabytes()
    {
        // One small upload first, so one-time costs (JIT, the pooled buffer, the hash provider) are not counted.
        await using (await _dir.Store.StageAsync(new GeneratedStream(1024 * 1024), Size, CancellationToken.None))
        {
        }

        var source = new GeneratedStream(Size);
        var before = GC.GetTotalAllocatedBytes(precise: true);
        await using var staged = await _dir.Store.StageAsync(source, Size, CancellationToken.None);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.True(allocated < AllocationBudget, $"Staging 256 MB allocated {allocated:N0} bytes; the budget is {AllocationBudget:N0}.");
        Assert.Equal(Size, source.BytesRead);
        Assert.Equal(Size, staged.Size);
        Assert.Equal(Size, new FileInfo(Assert.Single(_dir.StagingFiles())).Length);
        Assert.Equal(FileSystemDocumentStoreTests.ExpectedHash(Size), staged.Sha256);
    }
}
