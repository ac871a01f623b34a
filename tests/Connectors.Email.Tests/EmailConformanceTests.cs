using IntegrationHub.Plugins.Channels;
using IntegrationHub.Plugins.Connectors;
using IntegrationHub.Plugins.Hosting;
using IntegrationHub.TestSupport.Conformance;
using IntegrationHub.TestSupport.Smtp;

namespace IntegrationHub.Connectors.Email.Tests;

/// <summary>
/// The shared connector conformance kit against a real SMTP server (aiosmtpd): stopped for transient failures, and a
/// second one refusing anything over 512 bytes (552) for permanent ones.
/// </summary>
public sealed class EmailConformanceTests : ConnectorConformanceTests, IDisposable
{
    private readonly SmtpSinkServer _server = new();
    private SmtpSinkServer? _strict;

    private SmtpSinkServer Current => _strict ?? _server;

    public void Dispose()
    {
        _strict?.Dispose();
        _server.Dispose();
    }

    protected override IHubPlugin CreatePlugin() => new EmailPlugin();

    protected override string ExpectedTypeId => "email";

    protected override ConnectorSettings ValidSettings(string instanceName = "conformance") =>
        EmailSettings.Create(EmailSettings.Smtp(Current.Host, Current.Port), instanceName: instanceName);

    protected override ConnectorSettings SettingsWithout(string key)
    {
        var values = EmailSettings.Smtp(Current.Host, Current.Port);
        values.Remove(key);
        return EmailSettings.Create(values, instanceName: "conformance");
    }

    protected override Task ArrangeProviderAsync(ProviderBehaviour behaviour)
    {
        switch (behaviour)
        {
            case ProviderBehaviour.FailTransiently:
                _server.Stop();
                break;
            case ProviderBehaviour.FailPermanently:
                _strict ??= new SmtpSinkServer(maxMessageSize: 512);
                break;
        }

        return Task.CompletedTask;
    }

    protected override OutboundMessage DeliverableMessage(string idempotencyKey) => TestMessages.Convocation(key: idempotencyKey);

    protected override Task<int> AcceptedCountAsync() => Task.FromResult(Current.MessageCount);

    protected override async Task<bool> ProviderSawIdempotencyKeyAsync(string idempotencyKey)
    {
        var received = await Current.WaitForMessagesAsync(1, TimeSpan.FromSeconds(15));
        return received.Any(message => message.Headers["X-Hub-Idempotency-Key"] == idempotencyKey);
    }
}
