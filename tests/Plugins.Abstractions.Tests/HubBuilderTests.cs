using IntegrationHub.PluginHost;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace IntegrationHub.Plugins.Abstractions.Tests;

public class HubBuilderTests
{
    [Fact]
    public void AddConnectorType_NewTypeId_GoesToTheRegistryUnderThePlugin()
    {
        var services = new ServiceCollection();
        var registry = new ConnectorTypeRegistry();
        var builder = new HubBuilder(services, registry, "first");

        var returned = builder.AddConnectorType(new StubConnectorType("fax"));

        Assert.Same(builder, returned);
        Assert.Same(services, builder.Services);
        Assert.Equal("fax", Assert.Single(registry.All).TypeId);
        Assert.Equal("first", registry.PluginOf("fax"));
    }

    [Fact]
    public void AddConnectorType_TypeIdAlreadyRegistered_ThrowsNamingBothPlugins()
    {
        var registry = new ConnectorTypeRegistry();
        new HubBuilder(new ServiceCollection(), registry, "first").AddConnectorType(new StubConnectorType("fax"));

        var error = Assert.Throws<InvalidOperationException>(() =>
            new HubBuilder(new ServiceCollection(), registry, "second").AddConnectorType(new StubConnectorType("Fax")));

        Assert.Contains("'first'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'second'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Fax'", error.Message, StringComparison.Ordinal);
        Assert.Equal("first", registry.PluginOf("fax"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void AddConnectorType_BlankTypeId_Throws(string typeId)
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new HubBuilder(new ServiceCollection(), new ConnectorTypeRegistry(), "blank").AddConnectorType(new StubConnectorType(typeId)));

        Assert.Contains("'blank'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_IsCaseInsensitiveAndNullForUnknownTypes()
    {
        var registry = new ConnectorTypeRegistry();
        var fax = new StubConnectorType("fax");
        new HubBuilder(new ServiceCollection(), registry, "p").AddConnectorType(fax);

        Assert.Same(fax, registry.Find("FAX"));
        Assert.Null(registry.Find("telex"));
        Assert.Null(registry.PluginOf("telex"));
    }
}
