using System.Runtime.Loader;
using IntegrationHub.PluginHost;
using IntegrationHub.Plugins.Channels;
using IntegrationHub.Plugins.Connectors;
using IntegrationHub.TestSupport.Webhook;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace IntegrationHub.Plugins.Abstractions.Tests;

public class PluginLoaderTests
{
    private static PluginLoadReport LoadScenarioPlugins(IServiceCollection? services = null) =>
        PluginLoader.LoadPlugins(services ?? new ServiceCollection(), new ConnectorTypeRegistry(), [typeof(ScenarioPlugins).Assembly], pluginDirectory: null);

    private static PluginLoadReport LoadFolder(string directory) =>
        PluginLoader.LoadPlugins(new ServiceCollection(), new ConnectorTypeRegistry(), [], directory);

    [Fact]
    public void LoadPlugins_BuiltInAssembly_FindsPublicConcreteEntryPointsWithAParameterlessConstructor()
    {
        var report = LoadScenarioPlugins();

        Assert.Equal(
            ["alpha", "alpha-again", "throwing", typeof(ScenarioPlugins.ThrowingConstructor).FullName!],
            report.Plugins.Select(p => p.Name));
        Assert.All(report.Plugins, p => Assert.Equal("IntegrationHub.Plugins.Abstractions.Tests", p.Source));
    }

    [Fact]
    public void LoadPlugins_RegisterThrows_RecordsTheFailureAndRollsBackWhatThePluginAdded()
    {
        var services = new ServiceCollection();
        var report = LoadScenarioPlugins(services);

        var throwing = Assert.Single(report.Plugins, p => p.Name == "throwing");
        Assert.False(throwing.Loaded);
        Assert.Equal("InvalidOperationException: the plugin's licence file is missing", throwing.Reason);
        Assert.Empty(throwing.ConnectorTypeIds);
        Assert.Null(report.Registry.Find("throwing-partial"));
        Assert.DoesNotContain(services, d => d.ServiceType == typeof(ScenarioPlugins.ThrowingPluginService));
        Assert.True(Assert.Single(report.Plugins, p => p.Name == "alpha").Loaded);
    }

    [Fact]
    public void LoadPlugins_DuplicateTypeId_FailsTheSecondPluginNamingBothAndKeepsTheFirst()
    {
        var report = LoadScenarioPlugins();

        var again = Assert.Single(report.Plugins, p => p.Name == "alpha-again");
        Assert.IsType<InvalidOperationException>(again.Error);
        Assert.Contains("plugin 'alpha'", again.Reason, StringComparison.Ordinal);
        Assert.Contains("plugin 'alpha-again'", again.Reason, StringComparison.Ordinal);
        Assert.Equal("alpha", report.Registry.PluginOf("alpha"));
        Assert.Null(report.Registry.Find("alpha-again-own"));
        Assert.Equal(["alpha"], report.Registry.All.Select(t => t.TypeId));
    }

    [Fact]
    public void LoadPlugins_ConstructorThrows_RecordsTheFailureUnderTheClassNameWithTheRealCause()
    {
        var report = LoadScenarioPlugins();

        var failed = Assert.Single(report.Plugins, p => p.Name == typeof(ScenarioPlugins.ThrowingConstructor).FullName);
        Assert.Equal("NotSupportedException: this plugin needs Windows", failed.Reason);
    }

    [Fact]
    public void LoadPlugins_SampleInFolder_LoadsItInItsOwnContextAgainstTheHostContract()
    {
        using var folder = new PluginFolder().WithSample();

        var report = LoadFolder(folder.Path);

        var plugin = Assert.Single(report.Plugins);
        Assert.True(plugin.Loaded, plugin.Reason);
        Assert.Equal("signed-webhook", plugin.Name);
        Assert.Equal(Path.Combine(folder.Path, "Example.SignedWebhook.dll"), plugin.Source);
        var type = Assert.IsAssignableFrom<IConnectorType>(report.Registry.Find("signed-webhook"));
        var context = AssemblyLoadContext.GetLoadContext(type.GetType().Assembly);
        Assert.NotSame(AssemblyLoadContext.Default, context);
        Assert.StartsWith("plugin:Example.SignedWebhook.dll", context!.Name, StringComparison.Ordinal);
        Assert.DoesNotContain(context.Assemblies, a => a.GetName().Name == "IntegrationHub.Plugins.Abstractions");
    }

    [Fact]
    public void LoadPlugins_DllWithoutDepsJson_StillLoads()
    {
        using var folder = new PluginFolder().WithSample(withDepsJson: false);

        var plugin = Assert.Single(LoadFolder(folder.Path).Plugins);

        Assert.True(plugin.Loaded, plugin.Reason);
    }

    [Fact]
    public void LoadPlugins_BrokenDllNextToTheSample_ReportsItFailedAndLoadsTheSample()
    {
        var garbage = new byte[4096];
        new Random(42).NextBytes(garbage);
        using var folder = new PluginFolder().WithSample().WithFile("Broken.dll", garbage);

        var report = LoadFolder(folder.Path);

        var broken = Assert.Single(report.Failed);
        Assert.Equal("Broken.dll", broken.Name);
        Assert.Equal(Path.Combine(folder.Path, "Broken.dll"), broken.Source);
        Assert.IsType<BadImageFormatException>(broken.Error);
        Assert.Equal("signed-webhook", Assert.Single(report.Loaded).Name);
        Assert.NotNull(report.Registry.Find("signed-webhook"));
    }

    [Fact]
    public void LoadPlugins_DependencyDllsAndACopyOfTheContract_AreNotTreatedAsPlugins()
    {
        using var folder = new PluginFolder()
            .WithSample()
            .Copy(typeof(Assert).Assembly.Location)
            .Copy(typeof(IChannel).Assembly.Location);

        var report = LoadFolder(folder.Path);

        var plugin = Assert.Single(report.Plugins);
        Assert.True(plugin.Loaded, plugin.Reason);
        // The sample must still implement the host's contract, not the copy next to it.
        Assert.IsAssignableFrom<IConnectorType>(report.Registry.Find("signed-webhook"));
    }

    [Fact]
    public void LoadPlugins_MissingFolder_WarnsAndStillLoadsTheBuiltIns()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-plugins-{Guid.NewGuid():N}");

        var report = PluginLoader.LoadPlugins(new ServiceCollection(), new ConnectorTypeRegistry(), [typeof(ScenarioPlugins).Assembly], missing);

        var warning = Assert.Single(report.Warnings);
        Assert.Contains(missing, warning, StringComparison.Ordinal);
        Assert.Contains(PluginLoader.DirectoryKey, warning, StringComparison.Ordinal);
        Assert.NotNull(report.Registry.Find("alpha"));
    }

    [Fact]
    public void LoadPlugins_NoFolderConfigured_LoadsOnlyTheBuiltIns()
    {
        var report = PluginLoader.LoadPlugins(new ServiceCollection(), new ConnectorTypeRegistry(), [], pluginDirectory: "  ");

        Assert.Empty(report.Plugins);
        Assert.Empty(report.Warnings);
        Assert.Null(report.PluginDirectory);
    }

    [Fact]
    public async Task LoadPlugins_SampleInFolder_DeliversASignedConvocationToTheReceiver()
    {
        const string SigningKey = "folder-test-key";
        await using var receiver = await WebhookReceiver.StartAsync(SigningKey);
        using var folder = new PluginFolder().WithSample();
        var report = LoadFolder(folder.Path);
        var type = report.Registry.Find("signed-webhook")!;
        var settings = new ConnectorSettings(
            "webhook", "mairie-test",
            new Dictionary<string, string> { ["url"] = receiver.Url.ToString() },
            new Dictionary<string, string> { ["signingKey"] = SigningKey },
            new Uri("http://hub.test/"));
        Assert.Empty(type.Validate(settings));
        var channel = type.CreateChannel(settings, new ServiceCollection().BuildServiceProvider())!;

        var receipt = await channel.SendAsync(SignedWebhookSamples.Convocation("folder-1"), CancellationToken.None);

        Assert.Equal("folder-1", receipt.ProviderMessageId);
        Assert.StartsWith("200", receipt.ProviderResponse, StringComparison.Ordinal);
        var request = Assert.Single(receiver.Requests);
        Assert.True(request.SignatureValid);
        Assert.Equal("folder-1", request.Header("Idempotency-Key"));
        Assert.Equal("folder-1", request.Json().GetProperty("idempotencyKey").GetString());
    }
}
