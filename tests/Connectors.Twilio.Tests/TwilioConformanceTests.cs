using IntegrationHub.Plugins.Channels;
using IntegrationHub.Plugins.Connectors;
using IntegrationHub.Plugins.Hosting;
using IntegrationHub.TestSupport.Conformance;
using IntegrationHub.TestSupport.Twilio;

namespace IntegrationHub.Connectors.Twilio.Tests;

public sealed class TwilioConformanceTests : ConnectorConformanceTests, IAsyncLifetime
{
    private TwilioStandIn _twilio = null!;

    public async Task InitializeAsync() => _twilio = await TwilioStandIn.StartAsync();

    public async Task DisposeAsync() => await _twilio.DisposeAsync();

    protected override IHubPlugin CreatePlugin() => new TwilioPlugin();

    protected override string ExpectedTypeId => "twilio";

    protected override ConnectorSettings ValidSettings(string instanceName = "conformance") =>
        TwilioTestData.Settings(_twilio, instanceName);

    protected override ConnectorSettings SettingsWithout(string key) =>
        TwilioTestData.Settings(_twilio, "conformance", without: [key]);

    protected override Task ArrangeProviderAsync(ProviderBehaviour behaviour)
    {
        _twilio.Arrange(behaviour switch
        {
            ProviderBehaviour.Accept => TwilioBehaviour.Accept,
            ProviderBehaviour.FailTransiently => TwilioBehaviour.FailWith(503, 20503, message: "Service Unavailable"),
            ProviderBehaviour.FailPermanently => TwilioBehaviour.FailWith(400, 21211, message: "Invalid 'To' Phone Number"),
            _ => throw new ArgumentOutOfRangeException(nameof(behaviour)),
        });
        return Task.CompletedTask;
    }

    protected override OutboundMessage DeliverableMessage(string idempotencyKey) => TwilioTestData.Sms(idempotencyKey);

    protected override Task<int> AcceptedCountAsync() => Task.FromResult(_twilio.Messages.Count);

    protected override Task<bool> ProviderSawIdempotencyKeyAsync(string idempotencyKey) =>
        Task.FromResult(_twilio.Messages.Any(m => m.IdempotencyToken == idempotencyKey));
}
