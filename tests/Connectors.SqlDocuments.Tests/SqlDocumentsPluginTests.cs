using IntegrationHub.TestSupport.Conformance;

namespace IntegrationHub.Connectors.SqlDocuments.Tests;

public sealed class SqlDocumentsPluginTests
{
    [Fact]
    public void Register_AddsTheSqlDocumentsTypeOnce()
    {
        var hub = new ConnectorConformanceTests.RecordingHubBuilder();
        var plugin = new SqlDocumentsPlugin();

        plugin.Register(hub);

        Assert.Equal("sql-documents", plugin.Name);
        var type = Assert.Single(hub.Types);
        Assert.Equal("sql-documents", type.TypeId);
        Assert.IsType<SqlDocumentsConnectorType>(type);
        Assert.All(type.Settings, s => Assert.False(string.IsNullOrWhiteSpace(s.Label), $"setting {s.Key} has no label"));
    }
}
