namespace IntegrationHub.Connectors.SqlDocuments.Tests;

/// <summary>
/// Tests that measure allocations with <see cref="GC.GetTotalAllocatedBytes(bool)"/>, which counts every thread of
/// the process: they run alone, after the parallel tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StreamingTestsRunAlone
{
    public const string Name = "Streaming (allocations measured, run alone)";
}
