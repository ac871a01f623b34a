using IntegrationHub.Plugins.Channels;
using IntegrationHub.Plugins.Connectors;
using IntegrationHub.Plugins.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace IntegrationHub.TestSupport.Conformance;

/// <summary>What the provider stand-in should do with the next message.</summary>
public enum ProviderBehaviour
{
    /// <summary>Accept it.</summary>
    Accept,

    /// <summary>Fail in a way that may pass later (connection refused, 4xx SMTP, HTTP 503/429).</summary>
    FailTransiently,

    /// <summary>Refuse it for good (recipient rejected, invalid number).</summary>
    FailPermanently,
}

/// <summary>
/// The conformance kit every channel connector's tests inherit (STYLE.md): registration through its plugin, the setting
/// schema, a missing setting named by its path, permanent vs transient failures, cancellation, and the idempotency key
/// reaching the provider. Each derived class points the connector at a real server or a stand-in on 127.0.0.1.
/// </summary>
public abstract class ConnectorConformanceTests
{
    /// <summary>The plugin that registers the connector type under test.</summary>
    protected abstract IHubPlugin CreatePlugin();

    /// <summary>The type id the plugin must register.</summary>
    protected abstract string ExpectedTypeId { get; }

    /// <summary>Settings that work against the stand-in, for an instance named <paramref name="instanceName"/>.</summary>
    protected abstract ConnectorSettings ValidSettings(string instanceName = "conformance");

    /// <summary>Settings equal to <see cref="ValidSettings"/> without the required setting <paramref name="key"/>.</summary>
    protected abstract ConnectorSettings SettingsWithout(string key);

    /// <summary>Makes the stand-in behave as asked for the next message(s).</summary>
    protected abstract Task ArrangeProviderAsync(ProviderBehaviour behaviour);

    /// <summary>A message the channel can deliver (its recipient has the address the channel needs).</summary>
    protected abstract OutboundMessage DeliverableMessage(string idempotencyKey);

    /// <summary>How many messages the stand-in has accepted so far.</summary>
    protected abstract Task<int> AcceptedCountAsync();

    /// <summary>Whether the stand-in saw <paramref name="idempotencyKey"/> on an accepted message (header, id, field…).</summary>
    protected abstract Task<bool> ProviderSawIdempotencyKeyAsync(string idempotencyKey);

    /// <summary>Services a channel may ask for (TimeProvider, loggers, IHttpClientFactory).</summary>
    protected virtual IServiceProvider CreateServices()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddHttpClient();
        services.AddSingleton(TimeProvider.System);
        return services.BuildServiceProvider();
    }

    private IConnectorType RegisteredType()
    {
        var builder = new RecordingHubBuilder();
        CreatePlugin().Register(builder);
        return Assert.Single(builder.Types, t => t.TypeId == ExpectedTypeId);
    }

    private IChannel CreateChannel(ConnectorSettings settings) =>
        RegisteredType().CreateChannel(settings, CreateServices()) ?? throw new InvalidOperationException($"{ExpectedTypeId} created no channel.");

    [Fact]
    public void Plugin_Register_AddsTheConnectorTypeWithADocumentedSchema()
    {
        var type = RegisteredType();
        Assert.False(string.IsNullOrWhiteSpace(type.DisplayName));
        Assert.NotEmpty(type.Settings);
        Assert.All(type.Settings, s => Assert.False(string.IsNullOrWhiteSpace(s.Label), $"setting {s.Key} has no label"));
        Assert.Equal(type.Settings.Count, type.Settings.Select(s => s.Key).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Validate_ValidSettings_ReportsNothing()
    {
        Assert.Empty(RegisteredType().Validate(ValidSettings()));
    }

    [Fact]
    public void MissingRequiredSetting_IsNamedByValidateAndByItsPath()
    {
        var type = RegisteredType();
        Assert.Contains(type.Settings, s => s.Required);
        foreach (var required in type.Settings.Where(s => s.Required))
        {
            var settings = SettingsWithout(required.Key);
            Assert.Contains(type.Validate(settings), e => e.Key == required.Key);
            var error = Assert.Throws<ConnectorConfigurationException>(() => type.CreateChannel(settings, CreateServices()));
            Assert.Equal(settings.PathOf(required.Key, required.Secret), error.Path);
            Assert.Contains(error.Path!, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task SendAsync_ProviderAccepts_ReturnsReceiptAndCarriesIdempotencyKey()
    {
        await ArrangeProviderAsync(ProviderBehaviour.Accept);
        var before = await AcceptedCountAsync();
        var key = $"conformance-{Guid.NewGuid():N}";
        var receipt = await CreateChannel(ValidSettings()).SendAsync(DeliverableMessage(key), CancellationToken.None);
        Assert.False(string.IsNullOrWhiteSpace(receipt.ProviderMessageId));
        Assert.False(string.IsNullOrWhiteSpace(receipt.ProviderResponse));
        Assert.Equal(before + 1, await AcceptedCountAsync());
        Assert.True(await ProviderSawIdempotencyKeyAsync(key), "the idempotency key did not reach the provider");
    }

    [Fact]
    public async Task SendAsync_TransientFailure_ThrowsTransient()
    {
        await ArrangeProviderAsync(ProviderBehaviour.FailTransiently);
        var channel = CreateChannel(ValidSettings());
        var error = await Record.ExceptionAsync(() => channel.SendAsync(DeliverableMessage($"transient-{Guid.NewGuid():N}"), CancellationToken.None));
        Assert.NotNull(error);
        Assert.IsNotType<PermanentDeliveryException>(error);
        Assert.IsNotType<OperationCanceledException>(error);
    }

    [Fact]
    public async Task SendAsync_PermanentFailure_ThrowsPermanent()
    {
        await ArrangeProviderAsync(ProviderBehaviour.FailPermanently);
        var channel = CreateChannel(ValidSettings());
        await Assert.ThrowsAsync<PermanentDeliveryException>(() => channel.SendAsync(DeliverableMessage($"permanent-{Guid.NewGuid():N}"), CancellationToken.None));
    }

    [Fact]
    public async Task SendAsync_CancelledBeforeSending_ThrowsAndSendsNothing()
    {
        await ArrangeProviderAsync(ProviderBehaviour.Accept);
        var before = await AcceptedCountAsync();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var channel = CreateChannel(ValidSettings());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => channel.SendAsync(DeliverableMessage($"cancelled-{Guid.NewGuid():N}"), cancelled.Token));
        Assert.Equal(before, await AcceptedCountAsync());
    }

    /// <summary>A hub builder that only records what a plugin registers.</summary>
    public sealed class RecordingHubBuilder : IHubBuilder
    {
        public List<IConnectorType> Types { get; } = [];

        public IServiceCollection Services { get; } = new ServiceCollection();

        public IHubBuilder AddConnectorType(IConnectorType connectorType)
        {
            Types.Add(connectorType);
            return this;
        }
    }
}
