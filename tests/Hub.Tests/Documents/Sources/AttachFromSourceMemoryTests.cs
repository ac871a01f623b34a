using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using IntegrationHub.Tests.Documents.Storage;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport.Ged;
using Xunit;

namespace IntegrationHub.Tests.Documents.Sources;

/// <summary>
/// The copy from a source to the store streams. Allocations are counted process-wide, so this runs in the collection
/// that runs alone — which also keeps its host from running beside another (the rule of <see cref="HubHostsGroup"/>).
/// </summary>
[Collection(AllocationMeasurementGroup.Name)]
public sealed class AttachFromSourceMemoryTests : IAsyncLifetime
{
    private const int Size = 64 * 1024 * 1024;
    private const long AllocationBudget = 16L * 1024 * 1024;

    private readonly SqliteGed _ged = new();
    private HubApp _app = null!;

    public async Task InitializeAsync()
    {
        await _ged.InitializeAsync();
        _app = await HubApp.StartAsync(TestDatabase.Sqlite);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _ged.DisposeAsync();
    }

    [Fact]
    public async Task AttachFromSource_64MegabyteDocument_AllocatesUnder16Megabytes()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 1, synthesisNote: false);
        await DocumentSourceApiTests.ConfigureAsync(_app.Admin, s.AuthorityId, "ged", "sqlite", SqliteGed.SearchQuery, SqliteGed.ReadQuery,
            SqliteGed.DescribeQuery, _ged.ConnectionString);
        var small = new GedDocument(Guid.NewGuid(), "petit.pdf", "application/pdf", DateTimeOffset.UnixEpoch, Scenario.Pdf("petit"));
        var large = new GedDocument(Guid.NewGuid(), "grand.pdf", "application/pdf", DateTimeOffset.UnixEpoch, LargePdf());
        await _ged.InsertAsync(small);
        await _ged.InsertAsync(large);
        var url = $"/api/sessions/{s.SessionId}/documents/from-source";
        // One small copy first, so one-time costs (JIT, pools, the SQLite connection) are not counted.
        await _app.Admin.PostOkAsync(url, new { source = "ged", documentId = small.IdText });

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var response = await _app.Admin.PostAsJsonAsync(url, new { source = "ged", documentId = large.IdText });
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        var attached = await response.ReadJsonAsync();
        Assert.True(response.IsSuccessStatusCode, attached.ToString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(large.Content!)), attached.GetProperty("sha256").GetString());
        Assert.True(allocated < AllocationBudget, $"Copying 64 MB from the source allocated {allocated:N0} bytes; the budget is {AllocationBudget:N0}.");
    }

    private static byte[] LargePdf()
    {
        var bytes = new byte[Size];
        new Random(7).NextBytes(bytes);
        Encoding.ASCII.GetBytes("%PDF-1.7\n").CopyTo(bytes, 0);
        Encoding.ASCII.GetBytes("\n%%EOF\n").CopyTo(bytes, Size - 7);
        return bytes;
    }
}
