using Example.SignedWebhook;
using IntegrationHub.Plugins.Channels;
using IntegrationHub.Plugins.Connectors;
using IntegrationHub.Plugins.Hosting;
using IntegrationHub.TestSupport.Conformance;
using IntegrationHub.TestSupport.Webhook;
using Xunit;

namespace IntegrationHub.Plugins.Abstractions.Tests;

/// <summary>The sample plugin passes the same conformance kit as the built-in connectors, against a real HTTP receiver.</summary>
public sealed class SignedWebhookConformanceTests : ConnectorConformanceTests, IAsyncLifetime
{
    private const string SigningKey = "conformance-signing-key";
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync(SigningKey);

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    protected override IHubPlugin CreatePlugin() => new SignedWebhookPlugin();

    protected override string ExpectedTypeId => "signed-webhook";

    protected override ConnectorSettings ValidSettings(string instanceName = "conformance") =>
        SignedWebhookSamples.Settings(_receiver.Url, SigningKey, instanceName);

    protected override ConnectorSettings SettingsWithout(string key) => key switch
    {
        "url" => SignedWebhookSamples.Settings(null, SigningKey, "conformance"),
        "signingKey" => SignedWebhookSamples.Settings(_receiver.Url, null, "conformance"),
        _ => throw new ArgumentOutOfRangeException(nameof(key), key, "not a setting of signed-webhook"),
    };

    protected override Task ArrangeProviderAsync(ProviderBehaviour behaviour)
    {
        switch (behaviour)
        {
            case ProviderBehaviour.Accept:
                _receiver.Accept();
                break;
            case ProviderBehaviour.FailTransiently:
                _receiver.FailNext(503);
                break;
            case ProviderBehaviour.FailPermanently:
                _receiver.FailNext(422);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(behaviour), behaviour, null);
        }
        return Task.CompletedTask;
    }

    protected override OutboundMessage DeliverableMessage(string idempotencyKey) => SignedWebhookSamples.Convocation(idempotencyKey);

    protected override Task<int> AcceptedCountAsync() => Task.FromResult(_receiver.Accepted.Count);

    protected override Task<bool> ProviderSawIdempotencyKeyAsync(string idempotencyKey) =>
        Task.FromResult(_receiver.Accepted.Any(r => r.SignatureValid && r.Header("Idempotency-Key") == idempotencyKey));
}
