using IntegrationHub.Dispatch;
using IntegrationHub.Hosting;
using Xunit;

namespace IntegrationHub.Tests.Dispatch;

/// <summary>How a dispatch is cut into delivery jobs: every worker gets one, no job exceeds the configured size, nothing is lost.</summary>
public sealed class DispatchBatchesTests
{
    private static List<Guid> Ids(int count) => [.. Enumerable.Range(0, count).Select(_ => Guid.NewGuid())];

    [Theory]
    [InlineData(60, 4, 16, new[] { 15, 15, 15, 15 })]
    [InlineData(3, 4, 16, new[] { 1, 1, 1 })]
    [InlineData(100, 4, 16, new[] { 16, 16, 16, 16, 16, 16, 4 })]
    [InlineData(10, 4, 1, new[] { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 })]
    public void Batches_OnePerWorkerAtMostMaxBatchSize_InOrderAndComplete(int count, int workers, int maxBatchSize, int[] expectedSizes)
    {
        var ids = Ids(count);

        var batches = DispatchService.Batches(ids, new DispatchOptions { WorkerCount = workers, MaxBatchSize = maxBatchSize }).ToList();

        Assert.Equal(expectedSizes, batches.Select(b => b.Length));
        Assert.Equal(ids, batches.SelectMany(b => b));
    }

    [Fact]
    public void Batches_NoDelivery_NoJob() =>
        Assert.Empty(DispatchService.Batches([], new DispatchOptions { WorkerCount = 4 }));
}
