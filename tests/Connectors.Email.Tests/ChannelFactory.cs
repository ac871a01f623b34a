using IntegrationHub.TestSupport.Smtp;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace IntegrationHub.Connectors.Email.Tests;

internal static class ChannelFactory
{
    public static FakeTimeProvider Clock() => new(TestMessages.Now);

    public static EmailChannel ForSmtp(SmtpSinkServer server, TimeProvider clock, Action<EmailOptions>? configure = null) =>
        ForSmtp(server.Host, server.Port, clock, configure);

    public static EmailChannel ForSmtp(string host, int port, TimeProvider clock, Action<EmailOptions>? configure = null)
    {
        var options = new EmailOptions { Host = host, Port = port, FromAddress = TestMessages.FromAddress, TimeoutSeconds = 10 };
        configure?.Invoke(options);
        return Create(options, clock);
    }

    public static EmailChannel ForPickup(string directory, TimeProvider clock) =>
        Create(new EmailOptions { PickupDirectory = directory, FromAddress = TestMessages.FromAddress }, clock);

    private static EmailChannel Create(EmailOptions options, TimeProvider clock) =>
        new(Options.Create(options), clock, NullLogger<EmailChannel>.Instance);
}
